/** One line of `agentgate doctor`: what was checked, what was found, and for a problem the fix. */
export interface Finding {
  status: 'ok' | 'fail' | 'warn' | 'skip';
  what: string;
  found: string;
  /** For `fail` and `warn`: the setting or the file to change, and how. */
  fix?: string;
}

export const ok = (what: string, found: string): Finding => ({ status: 'ok', what, found });
export const fail = (what: string, found: string, fix: string): Finding => ({ status: 'fail', what, found, fix });
export const warn = (what: string, found: string, fix: string): Finding => ({ status: 'warn', what, found, fix });
export const skip = (what: string, found: string): Finding => ({ status: 'skip', what, found });

const MARK: Record<Finding['status'], string> = { ok: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' };

/** `FAIL AMI login: … \n     fix: …`, then a last line counting the problems. */
export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.flatMap((f) => [`${MARK[f.status]} ${f.what}: ${f.found}`, ...(f.fix ? [`     fix: ${f.fix}`] : [])]);
  const problems = findings.filter((f) => f.status === 'fail').length;
  const unsure = findings.filter((f) => f.status === 'warn' || f.status === 'skip').length;
  lines.push(
    problems
      ? `${problems} problem${problems === 1 ? '' : 's'} found${unsure ? `, ${unsure} not checked or unsure` : ''}`
      : `no problems found${unsure ? ` (${unsure} not checked or unsure: see above)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

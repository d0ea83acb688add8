/** One line of `agentgate doctor`: what was checked, what was found, and for a problem the fix. */
export interface Finding {
  status: 'ok' | 'fail' | 'warn' | 'skip';
  what: string;
  found: string;
  /** For `fail` and `warn`: the setting or the file to change, and how. */
  fix?: string;
  /** The provisioned PBX it is about (CONTRACT §9); none for this host's checks and for the one PBX of AMI_*. */
  pbx?: string;
}

export const ok = (what: string, found: string): Finding => ({ status: 'ok', what, found });
export const fail = (what: string, found: string, fix: string): Finding => ({ status: 'fail', what, found, fix });
export const warn = (what: string, found: string, fix: string): Finding => ({ status: 'warn', what, found, fix });
export const skip = (what: string, found: string): Finding => ({ status: 'skip', what, found });

const MARK: Record<Finding['status'], string> = { ok: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' };

/**
 * `FAIL AMI login: … \n     fix: …`, each provisioned PBX's lines under `PBX <name>:`, then a last
 * line counting the problems and naming the PBXs that have some.
 */
export function formatFindings(findings: readonly Finding[]): string {
  const lines: string[] = [];
  let section: string | undefined;
  for (const f of findings) {
    if (f.pbx !== section && f.pbx !== undefined) lines.push(`PBX ${f.pbx}:`);
    section = f.pbx;
    const indent = f.pbx === undefined ? '' : '  ';
    lines.push(`${indent}${MARK[f.status]} ${f.what}: ${f.found}`, ...(f.fix ? [`${indent}     fix: ${f.fix}`] : []));
  }
  const problems = findings.filter((f) => f.status === 'fail');
  const unsure = findings.filter((f) => f.status === 'warn' || f.status === 'skip').length;
  const on = [...new Set(problems.flatMap((f) => (f.pbx === undefined ? [] : [f.pbx])))];
  const where = on.length ? ` (on PBX ${on.join(', ')})` : '';
  lines.push(
    problems.length
      ? `${problems.length} problem${problems.length === 1 ? '' : 's'} found${where}${unsure ? `, ${unsure} not checked or unsure` : ''}`
      : `no problems found${unsure ? ` (${unsure} not checked or unsure: see above)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One sample of the Prometheus text format (0.0.4). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;

/**
 * A strict reader of the exposition format: every line is a HELP, a TYPE or a sample of a family
 * whose TYPE came first; anything else throws, naming the line.
 */
export function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const out: Sample[] = [];
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the text must end with a line feed');
  for (const [i, line] of lines.entries()) {
    const fail = (why: string) => new Error(`line ${i + 1}: ${why}: ${line}`);
    if (line === '') continue; // between families
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!)) throw fail('unknown type');
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw fail('not a sample');
    const name = m[1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    if (!family) throw fail('no TYPE before the sample');
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest !== '') {
      const l = LABEL.exec(rest);
      if (!l) throw fail('bad label');
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(l[0].length);
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    // Prometheus reads values with Go's ParseFloat, which takes NaN in any case: prom-client writes
    // `Nan` (the event loop's lag before its first sample).
    if (Number.isNaN(value) && m[3]?.toLowerCase() !== 'nan') throw fail('bad value');
    out.push({ name, labels, value });
  }
  return out;
}

/** The value of the first sample of `name` with these labels (others may be there too); undefined when none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsePrometheus(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

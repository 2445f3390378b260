// The samples of one metric from the Prometheus text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/): enough of it
// for a gauge with labels; a line that does not parse is counted, never thrown.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** One sample line → name, labels and value; undefined when the line is not one. */
export function parseSampleLine(line: string): { name: string; sample: Sample } | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i += 1;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i += 1;
      if (line[i] === '}') {
        i += 1;
        break;
      }
      const label = LABEL_NAME.exec(line.slice(i))?.[0];
      if (!label) return undefined;
      i += label.length;
      if (line[i] !== '=' || line[i + 1] !== '"') return undefined;
      i += 2;
      let value = '';
      for (;;) {
        const ch = line[i];
        if (ch === undefined) return undefined;
        i += 1;
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[i];
          i += 1;
          value += next === 'n' ? '\n' : (next ?? '');
        } else value += ch;
      }
      labels[label] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2) return undefined;
  const value = parseValue(rest[0]!);
  if (value === undefined) return undefined;
  return { name, sample: { labels, value } };
}

/** Every sample of `metric` in an exposition; `bad` counts the sample lines that did not parse. */
export function samplesOf(text: string, metric: string): { samples: Sample[]; bad: number } {
  const samples: Sample[] = [];
  let bad = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith(metric)) continue;
    const parsed = parseSampleLine(line);
    if (!parsed) bad += 1;
    else if (parsed.name === metric) samples.push(parsed.sample);
  }
  return { samples, bad };
}

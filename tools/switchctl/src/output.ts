/** How results are written: JSON lines (one object per line) or a table for people. */
export type OutputMode = 'json' | 'table';

/** The mode asked for, else a table on a terminal and JSON lines when piped. */
export function outputMode(flag: string | undefined, isTty: boolean): OutputMode {
  if (flag === 'json' || flag === 'table') return flag;
  return isTty ? 'table' : 'json';
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Writes rows as JSON lines (the rows as given) or as an aligned table of `columns`. */
export function writeRows<T>(out: (line: string) => void, mode: OutputMode, rows: readonly T[], columns: ReadonlyArray<Column<T>>): void {
  if (mode === 'json') {
    for (const row of rows) out(JSON.stringify(row));
    return;
  }
  const cells = rows.map((row) => columns.map((c) => oneLine(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out(line(columns.map((c) => c.header.toUpperCase())));
  for (const row of cells) out(line(row));
}

/** Writes one object: JSON on one line, or `key: value` lines. */
export function writeObject(out: (line: string) => void, mode: OutputMode, value: Record<string, unknown>): void {
  if (mode === 'json') {
    out(JSON.stringify(value));
    return;
  }
  for (const [key, v] of Object.entries(value)) out(oneLine(`${key}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
}

/**
 * Control characters (C0, DEL, C1: a terminal acts on some of them),
 * bidirectional overrides and newlines out of text for the terminal: values
 * come from devices and from other people's input.
 */
export function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ');
}

/** How long ago an RFC 3339 time was, shortly: 5s, 3m, 2h, 4d. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1_000));
  if (Number.isNaN(s)) return '-';
  if (s < 120) return `${s}s`;
  if (s < 7_200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3_600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

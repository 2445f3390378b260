import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { deviceInputSchema, type DeviceInput } from '@switch-telemetry/contracts';
import { CliError, EXIT } from './exit';

/** One row of an import file: the device it describes, or why it does not. */
export type ImportRow = { row: number; id: string; device: DeviceInput } | { row: number; id: string; error: string };

/**
 * CSV columns (a header row names them; order free): id, name, protocol,
 * address, port, credentials, tags (`k=v;k=v`), paths (`/a|/b`, one `default`
 * subscription), mode (default sample for gNMI, get for NETCONF), interval_ms,
 * plaintext (true/false), enabled (true/false). Other details need YAML.
 */
export const CSV_COLUMNS = [
  'id',
  'name',
  'protocol',
  'address',
  'port',
  'credentials',
  'tags',
  'paths',
  'mode',
  'interval_ms',
  'plaintext',
  'enabled',
];

const MAX_ROWS = 100_000;

function describe(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.map(String).join('.') || '(device)'}: ${i.message}`)
    .join('; ');
}

function bool(value: string | undefined, column: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new Error(`${column}: must be true or false, not "${value.slice(0, 20)}"`);
}

/** A CSV record as a device input (before validation). */
function fromCsv(record: Record<string, string>): unknown {
  const unknown = Object.keys(record).filter((k) => !CSV_COLUMNS.includes(k));
  if (unknown.length > 0) throw new Error(`unknown column ${unknown.join(', ')} (columns: ${CSV_COLUMNS.join(', ')})`);
  const value = (k: string) => (record[k] === undefined || record[k] === '' ? undefined : record[k]);
  const protocol = value('protocol');
  const paths = value('paths')
    ?.split('|')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const interval = value('interval_ms');
  const tags = value('tags')
    ?.split(';')
    .filter((t) => t.trim().length > 0)
    .map((t) => {
      const at = t.indexOf('=');
      if (at < 1) throw new Error(`tags: "${t.slice(0, 40)}" is not key=value`);
      return [t.slice(0, at).trim(), t.slice(at + 1).trim()];
    });
  const plaintext = bool(value('plaintext'), 'plaintext');
  const enabled = bool(value('enabled'), 'enabled');
  return {
    id: value('id'),
    name: value('name') ?? value('id'),
    protocol,
    address: value('address'),
    port: value('port') === undefined ? undefined : Number(value('port')),
    ...(value('credentials') ? { credentials: value('credentials') } : {}),
    ...(tags ? { tags: Object.fromEntries(tags) } : {}),
    ...(plaintext !== undefined ? { tls: { plaintext } } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
    ...(paths && paths.length > 0
      ? {
          subscriptions: [
            {
              name: 'default',
              paths,
              mode: value('mode') ?? (protocol === 'netconf' ? 'get' : 'sample'),
              ...(interval ? { interval_ms: Number(interval) } : {}),
            },
          ],
        }
      : {}),
  };
}

/** Reads an import file (.yaml/.yml/.json: a list of devices or {devices: [...]}; .csv: see CSV_COLUMNS) into rows. */
export function readImportFile(path: string): ImportRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.USAGE, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const ext = extname(path).toLowerCase();
  // Each record with the id it names (for the report, even when the rest of the row is wrong).
  let records: Array<{ id: string; read: () => unknown }>;
  if (ext === '.csv') {
    let parsed: Array<Record<string, string>>;
    try {
      parsed = parseCsv(text, {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        bom: true,
      });
    } catch (err) {
      throw new CliError(EXIT.DATA, `${path}: not CSV: ${(err as Error).message.split('\n')[0]}`);
    }
    records = parsed.map((r) => ({ id: r.id ?? '', read: () => fromCsv(r) }));
  } else if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    let doc: unknown;
    try {
      doc = parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      throw new CliError(EXIT.DATA, `${path}: not ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { devices?: unknown } | null)?.devices;
    if (!Array.isArray(list)) throw new CliError(EXIT.DATA, `${path}: expected a list of devices, or a mapping with "devices:"`);
    records = list.map((r: unknown) => ({
      id: typeof (r as { id?: unknown })?.id === 'string' ? (r as { id: string }).id : '',
      read: () => r,
    }));
  } else {
    throw new CliError(EXIT.USAGE, `${path}: import reads .yaml, .yml, .json or .csv files`);
  }
  if (records.length > MAX_ROWS) throw new CliError(EXIT.DATA, `${path}: ${records.length} rows; at most ${MAX_ROWS} per import`);
  return records.map(({ id, read }, i) => {
    // CSV rows count from 2 (the header is row 1), list items from 1.
    const row = ext === '.csv' ? i + 2 : i + 1;
    let raw: unknown;
    try {
      raw = read();
    } catch (err) {
      return { row, id, error: (err as Error).message };
    }
    const parsed = deviceInputSchema.safeParse(raw);
    return parsed.success ? { row, id, device: parsed.data } : { row, id, error: describe(parsed.error) };
  });
}

/** Canonical JSON (sorted keys), to tell an unchanged device from a changed one. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

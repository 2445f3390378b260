import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Device, SessionStatus, Subscription } from '@switch-telemetry/contracts';
import { ApiClient, ApiError, DEFAULT_API, resolveTarget } from './api';
import { parseDuration } from './duration';
import { CliError, EXIT } from './exit';
import { parseFlags } from './flags';
import { canonical, readImportFile, CSV_COLUMNS, type ImportRow } from './import';
import { ago, outputMode, writeObject, writeRows, type Column, type OutputMode } from './output';

/** What an API command gets: its arguments, where to write, the environment and whether stdout is a terminal. */
export interface CommandIo {
  out: (line: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
}

export const API_FLAGS_USAGE = `  --api URL          the REST API (or SWITCHCTL_API; default ${DEFAULT_API})
  --token T          bearer token (or SWITCHCTL_TOKEN)
  --context NAME     a context of the config file (SWITCHCTL_CONFIG, default ~/.config/switchctl/config.yaml)
  --output json|table  JSON lines (default when piped) or a table (default on a terminal)
  --timeout 10s      how long a request may stay silent (a refused connection fails at once)`;

const API_OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  context: { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's flags (its own plus the API ones); a bad flag is a usage error naming the command. */
export function parse<O extends Options>(argv: string[], options: O) {
  return parseFlags(argv, { ...API_OPTIONS, ...options });
}

export interface Ctx {
  api: ApiClient;
  mode: OutputMode;
  out: (line: string) => void;
}

export function context(values: Record<string, unknown>, io: CommandIo): Ctx {
  const output = values.output as string | undefined;
  if (output !== undefined && output !== 'json' && output !== 'table') throw new CliError(EXIT.USAGE, `--output must be json or table`);
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = parseDuration(values.timeout as string);
    if (timeout === undefined) throw new CliError(EXIT.USAGE, `--timeout must be a duration like 10s`);
  }
  const target = resolveTarget(
    {
      api: values.api as string | undefined,
      token: values.token as string | undefined,
      context: values.context as string | undefined,
      timeout,
    },
    io.env,
  );
  return { api: new ApiClient(target), mode: outputMode(output, io.isTty), out: io.out };
}

export const enc = encodeURIComponent;

// ---------------------------------------------------------------- devices

export const DEVICES_USAGE = `usage: switchctl devices <command> [options]
  list [--protocol gnmi|netconf] [--tag k=v] [--search TEXT] [--source api|discovery|netbox:NAME] [--profile P] [--limit N]
                                         every device (all pages unless --limit)
  get ID                                 one device
  subscriptions ID                       what the device runs: its profiles' subscriptions, then its own
  add -f FILE | --id ID --protocol P --address A --port N [--name N] [--credentials NAME]
      [--tag k=v ...] [--profile P ...] [--path P ...] [--mode M] [--interval 10s] [--plaintext]
                                         create a device (409 if the id exists)
  edit ID [--name N] [--address A] [--port N] [--credentials NAME] [--tag k=v ...] [--profile P ...] [--enable|--disable]
                                         change only the fields given (--profile '' clears the profiles)
  rm ID ...                              delete devices
  import FILE [--dry-run]                create or update devices from YAML, JSON or CSV; idempotent
      CSV columns: ${CSV_COLUMNS.join(', ')}
${API_FLAGS_USAGE}`;

const deviceColumns: Array<Column<Device>> = [
  { header: 'id', value: (d) => d.id },
  { header: 'protocol', value: (d) => d.protocol },
  { header: 'address', value: (d) => `${d.address}:${d.port}` },
  { header: 'enabled', value: (d) => (d.enabled ? 'yes' : 'no') },
  { header: 'source', value: (d) => d.source ?? 'api' },
  { header: 'profiles', value: (d) => (d.profiles ?? []).join(',') || '-' },
  { header: 'subscriptions', value: (d) => d.subscriptions.map((s) => s.name).join(',') || '-' },
  {
    header: 'tags',
    value: (d) =>
      Object.entries(d.tags ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
  },
];

function tagsOf(list: string[] | undefined): Record<string, string> | undefined {
  if (!list || list.length === 0) return undefined;
  return Object.fromEntries(
    list.map((t) => {
      const at = t.indexOf('=');
      if (at < 1) throw new CliError(EXIT.USAGE, `--tag must be key=value, not "${t.slice(0, 40)}"`);
      return [t.slice(0, at), t.slice(at + 1)];
    }),
  );
}

function portOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new CliError(EXIT.USAGE, `--port must be 1-65535`);
  return port;
}

export function readDeviceFile(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: 100 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code ? EXIT.USAGE : EXIT.DATA, `${path}: ${code ? `cannot read (${code})` : (err as Error).message.split('\n')[0]}`);
  }
}

/** A subscription as a row: where it comes from (the device, or a profile), what it asks for and how often. */
export const subscriptionColumns: Column<Subscription & { from?: string }>[] = [
  { header: 'name', value: (s) => s.name },
  { header: 'from', value: (s) => s.from ?? '' },
  { header: 'mode', value: (s) => s.mode },
  { header: 'interval', value: (s) => (s.interval_ms === undefined ? '' : `${s.interval_ms / 1_000}s`) },
  { header: 'paths', value: (s) => s.paths.join(' ').slice(0, 120) },
];

export async function devicesCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    protocol: { type: 'string' },
    tag: { type: 'string', multiple: true },
    search: { type: 'string' },
    source: { type: 'string' },
    profile: { type: 'string', multiple: true },
    limit: { type: 'string' },
    file: { type: 'string', short: 'f' },
    id: { type: 'string' },
    name: { type: 'string' },
    address: { type: 'string' },
    port: { type: 'string' },
    credentials: { type: 'string' },
    path: { type: 'string', multiple: true },
    mode: { type: 'string' },
    interval: { type: 'string' },
    plaintext: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
    'dry-run': { type: 'boolean', default: false },
  });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(DEVICES_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  const one = (what: string) => {
    if (positionals.length !== 1) throw new CliError(EXIT.USAGE, `devices ${what} takes one device id`);
    return positionals[0]!;
  };
  switch (sub) {
    case 'list': {
      const limit = values.limit === undefined ? Infinity : Number(values.limit);
      if (!(limit >= 1)) throw new CliError(EXIT.USAGE, '--limit must be a positive number');
      const devices: Device[] = [];
      let after: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(Math.min(500, limit - devices.length)) });
        if (values.protocol) query.set('protocol', values.protocol);
        if (values.tag?.[0]) query.set('tag', values.tag[0]);
        if (values.search) query.set('q', values.search);
        if (values.source) query.set('source', values.source);
        if (values.profile?.[0]) query.set('profile', values.profile[0]);
        if (after) query.set('after', after);
        const page = await ctx.api.get<{ devices: Device[]; next?: string }>(`/v1/devices?${query}`);
        devices.push(...page.devices);
        after = page.next;
      } while (after && devices.length < limit);
      writeRows(ctx.out, ctx.mode, devices, deviceColumns);
      return EXIT.OK;
    }
    case 'get': {
      const device = await ctx.api.get<Device>(`/v1/devices/${enc(one('get'))}`);
      if (ctx.mode === 'json') ctx.out(JSON.stringify(device));
      else writeObject(ctx.out, ctx.mode, device as unknown as Record<string, unknown>);
      return EXIT.OK;
    }
    case 'add': {
      let body: unknown;
      if (values.file !== undefined) body = readDeviceFile(values.file);
      else {
        if (!values.id || !values.protocol || !values.address || !values.port) {
          throw new CliError(EXIT.USAGE, 'devices add needs -f FILE, or --id, --protocol, --address and --port');
        }
        const interval = values.interval === undefined ? undefined : parseDuration(values.interval);
        if (values.interval !== undefined && interval === undefined)
          throw new CliError(EXIT.USAGE, '--interval must be a duration like 10s');
        const tags = tagsOf(values.tag);
        body = {
          id: values.id,
          name: values.name ?? values.id,
          protocol: values.protocol,
          address: values.address,
          port: portOf(values.port),
          ...(values.credentials ? { credentials: values.credentials } : {}),
          ...(tags ? { tags } : {}),
          ...(values.profile ? { profiles: values.profile } : {}),
          ...(values.plaintext ? { tls: { plaintext: true } } : {}),
          ...(values.path && values.path.length > 0
            ? {
                subscriptions: [
                  {
                    name: 'default',
                    paths: values.path,
                    mode: values.mode ?? (values.protocol === 'netconf' ? 'get' : 'sample'),
                    ...(interval ? { interval_ms: interval } : {}),
                  },
                ],
              }
            : {}),
        };
      }
      const { body: device } = await ctx.api.request<Device>('POST', '/v1/devices', body);
      writeRows(ctx.out, ctx.mode, [device], deviceColumns);
      return EXIT.OK;
    }
    case 'edit': {
      const id = one('edit');
      if (values.enable && values.disable) throw new CliError(EXIT.USAGE, '--enable and --disable together');
      const tags = tagsOf(values.tag);
      const patch = {
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.address !== undefined ? { address: values.address } : {}),
        ...(values.port !== undefined ? { port: portOf(values.port) } : {}),
        ...(values.credentials !== undefined ? { credentials: values.credentials === '' ? null : values.credentials } : {}),
        ...(tags ? { tags } : {}),
        ...(values.profile ? { profiles: values.profile.filter((p) => p !== '') } : {}),
        ...(values.enable ? { enabled: true } : values.disable ? { enabled: false } : {}),
      };
      if (Object.keys(patch).length === 0) throw new CliError(EXIT.USAGE, 'devices edit: nothing to change');
      const { body: device } = await ctx.api.request<Device>('PATCH', `/v1/devices/${enc(id)}`, patch);
      writeRows(ctx.out, ctx.mode, [device], deviceColumns);
      return EXIT.OK;
    }
    case 'rm': {
      if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'devices rm takes one or more device ids');
      for (const id of positionals) {
        await ctx.api.request('DELETE', `/v1/devices/${enc(id)}`);
        if (ctx.mode === 'json') ctx.out(JSON.stringify({ id, deleted: true }));
        else ctx.out(`deleted ${id}`);
      }
      return EXIT.OK;
    }
    case 'import':
      return importDevices(ctx, one('import'), values['dry-run'] === true);
    case 'subscriptions': {
      const shown = await ctx.api.get<{ effective: Array<Subscription & { from: string }> }>(
        `/v1/devices/${enc(one('subscriptions'))}/subscriptions`,
      );
      writeRows(ctx.out, ctx.mode, shown.effective, subscriptionColumns);
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `devices ${sub}: no such command\n${DEVICES_USAGE}`);
  }
}

type Outcome = 'created' | 'updated' | 'unchanged' | 'failed';
interface ImportResult {
  row: number;
  id: string;
  outcome: Outcome;
  reason?: string;
}

/** The device's input fields as stored, to compare with a row. */
function inputOf(device: Device): Record<string, unknown> {
  const { created_at: _c, updated_at: _u, source: _s, effective_subscriptions: _e, ...input } = device;
  return input;
}

async function importOne(ctx: Ctx, row: ImportRow, dryRun: boolean): Promise<ImportResult> {
  if ('error' in row) return { row: row.row, id: row.id, outcome: 'failed', reason: row.error };
  const { id, ...replacement } = row.device;
  let current: Device | undefined;
  try {
    current = await ctx.api.get<Device>(`/v1/devices/${enc(id)}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (current && canonical(inputOf(current)) === canonical(row.device)) return { row: row.row, id, outcome: 'unchanged' };
  if (dryRun) return { row: row.row, id, outcome: current ? 'updated' : 'created' };
  try {
    const { status } = await ctx.api.request('PUT', `/v1/devices/${enc(id)}`, replacement);
    return { row: row.row, id, outcome: status === 201 ? 'created' : 'updated' };
  } catch (err) {
    // The API refused this row (a taken address, a missing scope): say why and go on with the rest.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401) {
      return { row: row.row, id, outcome: 'failed', reason: err.message.replace(/^PUT \S+: /, '') };
    }
    throw err;
  }
}

/**
 * Creates or updates every device of the file, row by row: a device equal to
 * what is stored is left alone (unchanged), so importing the same file twice
 * changes nothing the second time. A bad row is reported with its reason and
 * the others go on; the exit status is 1 when any row failed.
 */
async function importDevices(ctx: Ctx, path: string, dryRun: boolean): Promise<number> {
  const rows = readImportFile(path);
  const results: ImportResult[] = [];
  for (const row of rows) {
    const result = await importOne(ctx, row, dryRun);
    results.push(result);
    if (ctx.mode === 'json') ctx.out(JSON.stringify(result));
  }
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const summary = { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('failed') };
  if (ctx.mode === 'json') ctx.out(JSON.stringify({ summary, dry_run: dryRun }));
  else {
    const shown = results.filter((r) => r.outcome !== 'unchanged');
    if (shown.length > 0) {
      writeRows(ctx.out, 'table', shown, [
        { header: 'row', value: (r) => String(r.row) },
        { header: 'id', value: (r) => r.id || '-' },
        { header: 'outcome', value: (r) => r.outcome },
        { header: 'reason', value: (r) => r.reason ?? '' },
      ]);
    }
    ctx.out(
      `${dryRun ? 'would be: ' : ''}${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed (${rows.length} rows)`,
    );
  }
  return summary.failed > 0 ? EXIT.FAILURE : EXIT.OK;
}

// ---------------------------------------------------------------- sessions

export const SESSIONS_USAGE = `usage: switchctl sessions <command> [options]
  list [--state S]      every session the collectors report (state, since, last update, owner, last error)
  get DEVICE            one session
  restart DEVICE ...    ask the owning collector to restart sessions
${API_FLAGS_USAGE}`;

interface SessionOut {
  device: string;
  status: SessionStatus;
}

const sessionColumns: Array<Column<SessionOut>> = [
  { header: 'device', value: (s) => s.device },
  { header: 'state', value: (s) => s.status.state },
  { header: 'since', value: (s) => ago(s.status.since) },
  { header: 'last update', value: (s) => ago(s.status.last_update) },
  { header: 'restarts', value: (s) => String(s.status.restarts) },
  { header: 'owner', value: (s) => s.status.owner },
  { header: 'last error', value: (s) => (s.status.last_error ? `${s.status.last_error.code}: ${s.status.last_error.message}` : '') },
];

export async function sessionsCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { state: { type: 'string' } });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(SESSIONS_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  switch (sub) {
    case 'list': {
      const { sessions } = await ctx.api.get<{ sessions: SessionOut[] }>('/v1/sessions?limit=10000');
      writeRows(
        ctx.out,
        ctx.mode,
        sessions.filter((s) => !values.state || s.status.state === values.state),
        sessionColumns,
      );
      return EXIT.OK;
    }
    case 'get': {
      if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'sessions get takes one device id');
      const session = await ctx.api.get<SessionOut>(`/v1/sessions/${enc(positionals[0]!)}`);
      writeRows(ctx.out, ctx.mode, [session], sessionColumns);
      return EXIT.OK;
    }
    case 'restart': {
      if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'sessions restart takes one or more device ids');
      for (const device of positionals) {
        await ctx.api.request('POST', `/v1/sessions/${enc(device)}/restart`);
        if (ctx.mode === 'json') ctx.out(JSON.stringify({ device, restart: 'requested' }));
        else ctx.out(`restart requested for ${device}`);
      }
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `sessions ${sub}: no such command\n${SESSIONS_USAGE}`);
  }
}

// ---------------------------------------------------------------- dead jobs

export const DEAD_JOBS_USAGE = `usage: switchctl dead-jobs <command> [options]
  list [--queue Q] [--worker W] [--limit N]   jobs that ran out of attempts or could never run, newest first
  retry ID ...                                run dead jobs again (fresh attempts, new ids)
  rm ID ...                                   delete dead jobs
${API_FLAGS_USAGE}`;

interface DeadJobOut {
  id: string;
  queue: string;
  worker: string;
  attempts: number;
  outcome: string;
  reason: string;
  dead_at: string;
}

export async function deadJobsCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { queue: { type: 'string' }, worker: { type: 'string' }, limit: { type: 'string' } });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(DEAD_JOBS_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  switch (sub) {
    case 'list': {
      const query = new URLSearchParams({ limit: values.limit ?? '50' });
      if (values.queue) query.set('queue', values.queue);
      if (values.worker) query.set('worker', values.worker);
      const { jobs } = await ctx.api.get<{ jobs: DeadJobOut[] }>(`/v1/dead-jobs?${query}`);
      writeRows(ctx.out, ctx.mode, jobs, [
        { header: 'id', value: (j) => j.id },
        { header: 'worker', value: (j) => `${j.queue}/${j.worker}` },
        { header: 'outcome', value: (j) => j.outcome },
        { header: 'attempts', value: (j) => String(j.attempts) },
        { header: 'dead', value: (j) => ago(j.dead_at) },
        { header: 'reason', value: (j) => j.reason.slice(0, 120) },
      ]);
      return EXIT.OK;
    }
    case 'retry':
    case 'rm': {
      if (positionals.length === 0) throw new CliError(EXIT.USAGE, `dead-jobs ${sub} takes one or more job ids`);
      for (const id of positionals) {
        if (sub === 'retry') {
          const { body } = await ctx.api.request<{ id: string }>('POST', `/v1/dead-jobs/${enc(id)}/retry`);
          ctx.out(ctx.mode === 'json' ? JSON.stringify({ id, retried_as: body.id }) : `${id} enqueued again as ${body.id}`);
        } else {
          await ctx.api.request('DELETE', `/v1/dead-jobs/${enc(id)}`);
          ctx.out(ctx.mode === 'json' ? JSON.stringify({ id, deleted: true }) : `deleted ${id}`);
        }
      }
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `dead-jobs ${sub}: no such command\n${DEAD_JOBS_USAGE}`);
  }
}

// ---------------------------------------------------------------- webhook endpoints

export const ENDPOINTS_USAGE = `usage: switchctl endpoints <command> [options]
  list                                    the alert webhook endpoints (secrets are never shown)
  add --name N --url URL [--scheme standard|hex|github] [--event KIND ...]   the secret from SWITCHCTL_ENDPOINT_SECRET
  rm ID ...                               delete endpoints
  enable ID                               enable an endpoint again (clears why the notifier disabled it)
  test ID [--wait 30s]                    send a signed endpoint.test; --wait: until it is delivered or given up, then its attempts
  deliveries ID [--limit 50] [--delivery MSG_ID]   the endpoint's delivery attempts, newest first
  redeliver MSG_ID                        send a delivery again (same webhook-id)
${API_FLAGS_USAGE}`;

interface EndpointOut {
  id: string;
  name: string;
  url: string;
  scheme: string;
  events: string[];
  enabled: boolean;
  disabled_reason?: string | null;
}

interface AttemptOut {
  id: string;
  delivery_id: string;
  type: string;
  attempt: number;
  at: string;
  outcome: string;
  status_code: number | null;
  latency_ms: number | null;
  error_code: string | null;
  next_retry_at: string | null;
}

const attemptColumns: Array<Column<AttemptOut>> = [
  { header: 'at', value: (a) => a.at },
  { header: 'delivery', value: (a) => a.delivery_id },
  { header: 'type', value: (a) => a.type },
  { header: 'attempt', value: (a) => String(a.attempt) },
  { header: 'outcome', value: (a) => a.outcome },
  { header: 'status', value: (a) => (a.status_code === null ? '-' : String(a.status_code)) },
  { header: 'ms', value: (a) => (a.latency_ms === null ? '-' : String(a.latency_ms)) },
  { header: 'error', value: (a) => a.error_code ?? '' },
  { header: 'next retry', value: (a) => a.next_retry_at ?? '' },
];

const endpointColumns: Array<Column<EndpointOut>> = [
  { header: 'id', value: (e) => e.id },
  { header: 'name', value: (e) => e.name },
  { header: 'url', value: (e) => e.url },
  { header: 'scheme', value: (e) => e.scheme },
  { header: 'events', value: (e) => e.events.join(',') },
  { header: 'enabled', value: (e) => (e.enabled ? 'yes' : `no${e.disabled_reason ? ` (${e.disabled_reason})` : ''}`) },
];

/** Polls a delivery until it is no longer pending, up to `waitMs`; answers its state. */
async function waitForDelivery(ctx: Ctx, deliveryId: string, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { state } = await ctx.api.get<{ state: string }>(`/v1/deliveries/${enc(deliveryId)}`);
    if (state !== 'pending' || Date.now() >= deadline) return state;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function endpointsCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    name: { type: 'string' },
    url: { type: 'string' },
    scheme: { type: 'string' },
    event: { type: 'string', multiple: true },
    wait: { type: 'string' },
    limit: { type: 'string' },
    delivery: { type: 'string' },
  });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(ENDPOINTS_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  switch (sub) {
    case 'list': {
      const { endpoints } = await ctx.api.get<{ endpoints: EndpointOut[] }>('/v1/webhook-endpoints');
      writeRows(ctx.out, ctx.mode, endpoints, endpointColumns);
      return EXIT.OK;
    }
    case 'add': {
      // The secret never goes on the command line (shell history, ps): only from the environment.
      const secret = io.env.SWITCHCTL_ENDPOINT_SECRET;
      if (!values.name || !values.url || !secret) {
        throw new CliError(EXIT.USAGE, 'endpoints add needs --name, --url and the secret in SWITCHCTL_ENDPOINT_SECRET');
      }
      const { body } = await ctx.api.request<EndpointOut>('POST', '/v1/webhook-endpoints', {
        name: values.name,
        url: values.url,
        secret,
        ...(values.scheme ? { scheme: values.scheme } : {}),
        ...(values.event && values.event.length > 0 ? { events: values.event } : {}),
      });
      writeRows(ctx.out, ctx.mode, [body], endpointColumns);
      return EXIT.OK;
    }
    case 'rm': {
      if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'endpoints rm takes one or more endpoint ids');
      for (const id of positionals) {
        await ctx.api.request('DELETE', `/v1/webhook-endpoints/${enc(id)}`);
        ctx.out(ctx.mode === 'json' ? JSON.stringify({ id, deleted: true }) : `deleted ${id}`);
      }
      return EXIT.OK;
    }
    case 'enable': {
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new CliError(EXIT.USAGE, 'endpoints enable takes one endpoint id');
      const { body } = await ctx.api.request<EndpointOut>('PATCH', `/v1/webhook-endpoints/${enc(id)}`, { enabled: true });
      writeRows(ctx.out, ctx.mode, [body], endpointColumns);
      return EXIT.OK;
    }
    case 'test': {
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new CliError(EXIT.USAGE, 'endpoints test takes one endpoint id');
      const waitMs = values.wait === undefined ? undefined : parseDuration(values.wait);
      if (values.wait !== undefined && waitMs === undefined) throw new CliError(EXIT.USAGE, '--wait must be a duration like 30s');
      const { body } = await ctx.api.request<{ delivery_id: string; job_id: string }>('POST', `/v1/webhook-endpoints/${enc(id)}/test`);
      if (waitMs === undefined) {
        ctx.out(ctx.mode === 'json' ? JSON.stringify(body) : `queued test delivery ${body.delivery_id}`);
        return EXIT.OK;
      }
      const state = await waitForDelivery(ctx, body.delivery_id, waitMs);
      const { attempts } = await ctx.api.get<{ attempts: AttemptOut[] }>(
        `/v1/webhook-endpoints/${enc(id)}/deliveries?delivery=${enc(body.delivery_id)}`,
      );
      writeRows(ctx.out, ctx.mode, attempts, attemptColumns);
      // Delivered: 0. Still pending when the wait ran out, or given up: 1, like any failure the caller should look at.
      if (ctx.mode !== 'json') ctx.out(`delivery ${body.delivery_id}: ${state}`);
      return state === 'delivered' ? EXIT.OK : EXIT.FAILURE;
    }
    case 'deliveries': {
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new CliError(EXIT.USAGE, 'endpoints deliveries takes one endpoint id');
      const query = new URLSearchParams({ limit: values.limit ?? '50', ...(values.delivery ? { delivery: values.delivery } : {}) });
      const { attempts } = await ctx.api.get<{ attempts: AttemptOut[] }>(`/v1/webhook-endpoints/${enc(id)}/deliveries?${query}`);
      writeRows(ctx.out, ctx.mode, attempts, attemptColumns);
      return EXIT.OK;
    }
    case 'redeliver': {
      const [deliveryId] = positionals;
      if (!deliveryId || positionals.length > 1) throw new CliError(EXIT.USAGE, 'endpoints redeliver takes one delivery id (msg_...)');
      const { body } = await ctx.api.request<{ delivery_id: string; job_id: string }>(
        'POST',
        `/v1/deliveries/${enc(deliveryId)}/redeliver`,
      );
      ctx.out(ctx.mode === 'json' ? JSON.stringify(body) : `queued ${body.delivery_id} again`);
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `endpoints ${sub}: no such command\n${ENDPOINTS_USAGE}`);
  }
}

// ---------------------------------------------------------------- discovery

export const DISCOVER_USAGE = `usage: switchctl discover CIDR [--wait 30m] [options]
       switchctl discover status ID | cancel ID | list
  CIDR                asks for a scan of one subnet (the same subnet within 5 minutes is the same scan)
  --wait DURATION     follow it until it ends: a progress bar on a terminal, JSON lines when piped; then its results
                      (exit 0 finished, 1 cancelled, failed or still running when the wait ran out)
${API_FLAGS_USAGE}`;

interface ScanOut {
  id: string;
  subnet: string;
  state: string;
  total: number;
  probed: number;
  open: number;
  identified: number;
  created_devices: number;
  results?: Array<{ address: string; port: number; protocol: string | null; reason: string | null; device_id: string | null }>;
}

const scanColumns: Array<Column<ScanOut>> = [
  { header: 'id', value: (s) => s.id },
  { header: 'subnet', value: (s) => s.subnet },
  { header: 'state', value: (s) => s.state },
  { header: 'probed', value: (s) => `${s.probed}/${s.total}` },
  { header: 'open', value: (s) => String(s.open) },
  { header: 'identified', value: (s) => String(s.identified) },
  { header: 'new devices', value: (s) => String(s.created_devices) },
];

/** One line of progress: a bar on a terminal. */
function progressLine(s: ScanOut): string {
  const width = 30;
  const done = s.total === 0 ? width : Math.round((s.probed / s.total) * width);
  return `${s.subnet} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${s.probed}/${s.total} probed, ${s.open} open, ${s.identified} identified`;
}

async function followScan(ctx: Ctx, id: string, waitMs: number, isTty: boolean, write: (text: string) => void): Promise<number> {
  const deadline = Date.now() + waitMs;
  let last = '';
  for (;;) {
    const scan = await ctx.api.get<ScanOut>(`/v1/discovery/${enc(id)}?limit=1`);
    const line =
      ctx.mode === 'json'
        ? JSON.stringify({ id, state: scan.state, probed: scan.probed, total: scan.total, open: scan.open, identified: scan.identified })
        : progressLine(scan);
    if (line !== last) {
      if (ctx.mode === 'json') ctx.out(line);
      else write(isTty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    if (scan.state !== 'running' || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (ctx.mode !== 'json' && isTty) write('\n');
  const scan = await ctx.api.get<ScanOut>(`/v1/discovery/${enc(id)}`);
  if (ctx.mode === 'json') for (const r of scan.results ?? []) ctx.out(JSON.stringify(r));
  else
    writeRows(ctx.out, ctx.mode, scan.results ?? [], [
      { header: 'address', value: (r) => r.address },
      { header: 'port', value: (r) => String(r.port) },
      { header: 'found', value: (r) => r.protocol ?? `unidentified (${r.reason})` },
      { header: 'device', value: (r) => r.device_id ?? '' },
    ]);
  return scan.state === 'finished' ? EXIT.OK : EXIT.FAILURE;
}

export async function discoverCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parse(argv, { wait: { type: 'string' } });
  if (values.help) {
    io.out(DISCOVER_USAGE);
    return EXIT.OK;
  }
  const [first, second] = positionals;
  const ctx = context(values, io);
  if (first === 'list' && positionals.length === 1) {
    const { scans } = await ctx.api.get<{ scans: ScanOut[] }>('/v1/discovery');
    writeRows(ctx.out, ctx.mode, scans, scanColumns);
    return EXIT.OK;
  }
  if (first === 'status' && second && positionals.length === 2) {
    writeRows(ctx.out, ctx.mode, [await ctx.api.get<ScanOut>(`/v1/discovery/${enc(second)}?limit=1`)], scanColumns);
    return EXIT.OK;
  }
  if (first === 'cancel' && second && positionals.length === 2) {
    await ctx.api.request('DELETE', `/v1/discovery/${enc(second)}`);
    ctx.out(ctx.mode === 'json' ? JSON.stringify({ id: second, cancel: 'requested' }) : `cancellation of ${second} requested`);
    return EXIT.OK;
  }
  if (positionals.length !== 1 || !first) throw new CliError(EXIT.USAGE, `discover takes one subnet (CIDR)\n${DISCOVER_USAGE}`);
  const waitMs = values.wait === undefined ? undefined : parseDuration(values.wait);
  if (values.wait !== undefined && waitMs === undefined) throw new CliError(EXIT.USAGE, '--wait must be a duration like 30m');
  const { body } = await ctx.api.request<{ id: string; subnet: string; duplicate: boolean }>('POST', '/v1/discovery', { subnet: first });
  if (waitMs === undefined) {
    writeObject(ctx.out, ctx.mode, body);
    return EXIT.OK;
  }
  return followScan(ctx, body.id, waitMs, io.isTty, (text) => process.stdout.write(text));
}

import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { SESSION_STATES, sessionStatusSchema, type SessionState, type SessionStatus } from '@switch-telemetry/contracts';
import { ApiClient, resolveTarget } from './api';
import { parseDuration } from './duration';
import { CliError, EXIT } from './exit';
import { parseFlags } from './flags';
import {
  NATS_OPTIONS,
  closeNats,
  connectNats,
  describeNatsError,
  redactUrl,
  resolveNats,
  within,
  type NatsHandles,
  type NatsTarget,
} from './nats';
import { ago, oneLine } from './output';
import { samplesOf } from './prometheus';
import type { StreamIo } from './tail';

export const TOP_USAGE = `usage: switchctl top [options]
  one screen, refreshed in place (q or Ctrl-C quits):
    sessions by state and the worst ones that are not synced        GET /v1/sessions
    messages/s per device (top 10)        the TELEMETRY stream's per-subject counts, between two frames
    alerts of the last hour by kind       events.alert.> in EVENTS (one ordered consumer, headers only)
    HTTP circuit breakers per app         http_client_breakers of each --metrics URL
  each section shows why when its source does not answer; the others go on
  --interval 2s      time between frames, and the window of the messages/s figures
  --once             one frame, then exit (messages/s measured over one --interval); the default when
                     stdout is not a terminal, unless --interval is given (then one frame per interval)
  --metrics URL      an app's metrics, e.g. http://127.0.0.1:9101/metrics (repeatable); none: no breaker section
  --rows 10          how many of the worst sessions and busiest devices are listed
  --api URL, --token T, --context NAME   the REST API, as for the other API commands
  --nats URL, --namespace NS             NATS, as for tail (credentials from SWITCHCTL_NATS_TOKEN or _USER/_PASSWORD)
  --timeout 5s       how long each source may stay silent
exit status with --once: 0 when every section had its data, 1 when one had not (the frame says why), 64 usage`;

const DEFAULT_INTERVAL_MS = 2_000;
const DEFAULT_TIMEOUT_MS = 5_000;
const ALERT_WINDOW_MS = 3_600_000;
/** Alerts are counted in 10 s buckets: the hour's edge is exact to 10 s, and memory stays bounded whatever the alert rate. */
const ALERT_BUCKET_MS = 10_000;
const METRICS_MAX_BYTES = 8 * 1024 * 1024;

interface TopOptions {
  intervalMs: number;
  once: boolean;
  rows: number;
  metrics: string[];
  api: ApiClient;
  apiDisplay: string;
  nats: NatsTarget;
}

/** A section's data, or why there is none. */
type Section<T> = { ok: true; data: T } | { ok: false; why: string };

function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, message);
}

function parseTopArgs(argv: string[], io: StreamIo): TopOptions | 'help' {
  const parsed = parseFlags(argv, {
    ...NATS_OPTIONS,
    api: { type: 'string' },
    token: { type: 'string' },
    context: { type: 'string' },
    interval: { type: 'string' },
    once: { type: 'boolean', default: false },
    metrics: { type: 'string', multiple: true },
    rows: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (parsed.positionals.length > 0) throw usage(`top takes no arguments, only flags (got "${parsed.positionals[0]!.slice(0, 40)}")`);
  const { values } = parsed;
  if (values.help) return 'help';
  const intervalMs = values.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(values.interval);
  if (intervalMs === undefined || intervalMs < 100) throw usage('--interval must be a duration of at least 100ms, like 2s');
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(values.timeout);
  if (timeoutMs === undefined) throw usage('--timeout must be a duration like 5s');
  const rows = values.rows === undefined ? 10 : Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1 || rows > 1_000) throw usage('--rows must be a whole number from 1 to 1000');
  const metrics = values.metrics ?? [];
  for (const url of metrics) {
    let ok = false;
    try {
      const parsed = new URL(url);
      // No user or password: the URL is shown on screen and in errors.
      ok = ['http:', 'https:'].includes(parsed.protocol) && parsed.username === '' && parsed.password === '';
    } catch {
      ok = false;
    }
    if (!ok) throw usage(`--metrics must be an http(s) URL without a user or password, not "${redactUrl(url).slice(0, 100)}"`);
  }
  const target = resolveTarget({ api: values.api, token: values.token, context: values.context, timeout: timeoutMs }, io.env);
  return {
    intervalMs,
    once: values.once || (!io.isTty && values.interval === undefined),
    rows,
    metrics,
    api: new ApiClient(target),
    apiDisplay: redactUrl(target.url),
    nats: resolveNats(values, timeoutMs, io.env),
  };
}

// ---------------------------------------------------------------- sessions

interface SessionsData {
  total: number;
  byState: Record<string, number>;
  worst: SessionStatus[];
  /** Entries of the answer that were not session statuses (left out). */
  bad: number;
}

const SEVERITY: Record<SessionState, number> = { auth_failed: 0, backoff: 1, stale: 2, connecting: 3, stopped: 4, up: 5, synced: 6 };

async function sessionsSection(api: ApiClient): Promise<Section<SessionsData>> {
  try {
    const body = await api.get<unknown>('/v1/sessions?limit=10000');
    const list = (body as { sessions?: unknown } | undefined)?.sessions;
    if (!Array.isArray(list)) return { ok: false, why: 'the API answered without a sessions list' };
    const byState: Record<string, number> = Object.fromEntries(SESSION_STATES.map((s) => [s, 0]));
    const statuses: SessionStatus[] = [];
    let bad = 0;
    for (const entry of list) {
      const parsed = sessionStatusSchema.safeParse((entry as { status?: unknown } | null)?.status);
      if (!parsed.success) {
        bad += 1;
        continue;
      }
      statuses.push(parsed.data);
      byState[parsed.data.state] = (byState[parsed.data.state] ?? 0) + 1;
    }
    const worst = statuses
      .filter((s) => s.state !== 'synced')
      .sort(
        (a, b) => SEVERITY[a.state] - SEVERITY[b.state] || Date.parse(a.since) - Date.parse(b.since) || a.device.localeCompare(b.device),
      );
    return { ok: true, data: { total: statuses.length, byState, worst, bad } };
  } catch (err) {
    return { ok: false, why: (err as Error).message.split('\n')[0]! };
  }
}

// ---------------------------------------------------------------- NATS (messages/s, alerts)

/** One connection, made when first needed and made again on the next frame after it was lost. */
class NatsSource {
  private handles: NatsHandles | undefined;
  private pending: Promise<NatsHandles> | undefined;

  constructor(readonly target: NatsTarget) {}

  get(): Promise<NatsHandles> {
    if (this.handles && !this.handles.nc.isClosed()) return Promise.resolve(this.handles);
    this.handles = undefined;
    this.pending ??= connectNats(this.target, 'switchctl-top').then(
      (h) => {
        this.handles = h;
        this.pending = undefined;
        return h;
      },
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }

  async close(): Promise<void> {
    const h = this.handles ?? (this.pending ? await within(this.pending, 1_000) : undefined);
    if (h) await closeNats(h.nc);
  }
}

interface Counts {
  at: number;
  perDevice: Map<string, number>;
  total: number;
}

interface RatesData {
  /** Undefined on the first sample: a rate needs two. */
  rates: Array<{ device: string; perSecond: number }> | undefined;
  totalPerSecond: number | undefined;
  stored: number;
  windowMs: number;
}

/** Messages/s per device: the stream's per-subject message counts, the difference between two samples. */
class RateMeter {
  private previous: Counts | undefined;
  /** Subjects in the stream that are not telemetry.<device>.<subscription> (counted, not shown as devices). */
  oddSubjects = 0;

  constructor(private readonly nats: NatsSource) {}

  private async counts(): Promise<Counts> {
    const { jsm } = await this.nats.get();
    const topology = this.nats.target.topology;
    const prefix = topology.namespace ? `${topology.namespace}.` : '';
    const info = await jsm.streams.info(topology.streams.telemetry.name, { subjects_filter: `${prefix}telemetry.>` });
    const perDevice = new Map<string, number>();
    let total = 0;
    this.oddSubjects = 0;
    for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
      const parts = subject.slice(prefix.length).split('.');
      if (!subject.startsWith(prefix) || parts.length !== 3 || parts[0] !== 'telemetry' || typeof count !== 'number') {
        this.oddSubjects += 1;
        continue;
      }
      perDevice.set(parts[1]!, (perDevice.get(parts[1]!) ?? 0) + count);
      total += count;
    }
    return { at: performance.now(), perDevice, total };
  }

  async sample(): Promise<RatesData> {
    const now = await this.counts();
    const before = this.previous;
    this.previous = now;
    if (!before) return { rates: undefined, totalPerSecond: undefined, stored: now.total, windowMs: 0 };
    const seconds = Math.max(0.001, (now.at - before.at) / 1_000);
    // Counts fall when the stream's limits drop old messages: a device's rate is never below 0.
    const rates = [...now.perDevice]
      .map(([device, count]) => ({ device, perSecond: Math.max(0, count - (before.perDevice.get(device) ?? 0)) / seconds }))
      .filter((r) => r.perSecond > 0)
      .sort((a, b) => b.perSecond - a.perSecond || a.device.localeCompare(b.device));
    const totalPerSecond = rates.reduce((sum, r) => sum + r.perSecond, 0);
    return { rates, totalPerSecond, stored: now.total, windowMs: now.at - before.at };
  }
}

interface AlertsData {
  byKind: Array<{ kind: string; count: number }>;
  total: number;
  caughtUp: boolean;
  skipped: number;
}

const KIND = /^[a-z0-9_-]{1,128}$/;

/**
 * The alerts of the last hour: one ordered consumer on events.alert.> from an
 * hour ago, headers only (bodies are not needed to count), left running so each
 * frame reads only what is new; counts kept in 10 s buckets.
 */
class AlertWindow {
  private buckets = new Map<number, Map<string, number>>();
  private messages: ConsumerMessages | undefined;
  private consumer: { delete(): Promise<boolean> } | undefined;
  private connection: NatsHandles | undefined;
  private starting: Promise<void> | undefined;
  private caughtUp = false;
  private skipped = 0;
  private caughtUpWaiters: Array<() => void> = [];

  constructor(private readonly nats: NatsSource) {}

  private add(m: JsMsg, prefix: string): void {
    const kind = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : '';
    if (!KIND.test(kind)) this.skipped += 1;
    else {
      const at = Math.floor(m.info.timestampNanos / 1e6);
      const key = Math.floor(at / ALERT_BUCKET_MS);
      let bucket = this.buckets.get(key);
      if (!bucket) {
        bucket = new Map();
        this.buckets.set(key, bucket);
      }
      bucket.set(kind, (bucket.get(kind) ?? 0) + 1);
    }
    if (m.info.pending === 0) this.markCaughtUp();
  }

  private markCaughtUp(): void {
    this.caughtUp = true;
    for (const w of this.caughtUpWaiters.splice(0)) w();
  }

  private async start(): Promise<void> {
    const handles = await this.nats.get();
    if (this.connection === handles && this.messages) return;
    await this.stop();
    this.buckets.clear();
    this.caughtUp = false;
    const topology = this.nats.target.topology;
    const prefix = `${topology.namespace ? `${topology.namespace}.` : ''}events.alert.`;
    const consumer = await handles.js.consumers.get(topology.streams.events.name, {
      filter_subjects: `${prefix}>`,
      opt_start_time: new Date(Date.now() - ALERT_WINDOW_MS).toISOString(),
      headers_only: true,
      inactive_threshold: 30_000,
    });
    this.consumer = consumer;
    this.connection = handles;
    if ((await consumer.info(true)).num_pending === 0) this.markCaughtUp();
    this.messages = await consumer.consume({ max_messages: 1_000, expires: 5_000, callback: (m) => this.add(m, prefix) });
  }

  /** The counts of the last hour; waits up to waitMs for the first read of the hour to finish. */
  async snapshot(waitMs: number): Promise<AlertsData> {
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    await this.starting;
    if (!this.caughtUp && waitMs > 0) {
      await within(new Promise<void>((resolve) => this.caughtUpWaiters.push(resolve)), waitMs);
    }
    const oldest = Math.floor((Date.now() - ALERT_WINDOW_MS) / ALERT_BUCKET_MS);
    const byKind = new Map<string, number>();
    for (const [key, bucket] of this.buckets) {
      if (key < oldest) {
        this.buckets.delete(key);
        continue;
      }
      for (const [kind, n] of bucket) byKind.set(kind, (byKind.get(kind) ?? 0) + n);
    }
    const list = [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
    return { byKind: list, total: list.reduce((s, k) => s + k.count, 0), caughtUp: this.caughtUp, skipped: this.skipped };
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    this.messages = undefined;
    if (this.consumer && this.connection && !this.connection.nc.isClosed()) await within(this.consumer.delete(), 2_000);
    this.consumer = undefined;
    this.connection = undefined;
  }
}

function natsWhy(err: unknown, target: NatsTarget, stream: string): string {
  if (err instanceof CliError) return err.message;
  const message = String((err as Error)?.message ?? err);
  if (/stream not found/i.test(message)) return `no stream ${stream} on NATS at ${target.display}`;
  return describeNatsError(err, target);
}

// ---------------------------------------------------------------- breakers

interface BreakerRow {
  url: string;
  app?: string;
  states?: Record<string, number>;
  why?: string;
}

async function breakerRow(url: string, timeoutMs: number): Promise<BreakerRow> {
  const shown = redactUrl(url);
  let text: string;
  try {
    const res = await fetch(url, { headers: { accept: 'text/plain' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return { url: shown, why: `answered ${res.status}` };
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > METRICS_MAX_BYTES) {
      await res.body?.cancel();
      return { url: shown, why: `metrics larger than ${METRICS_MAX_BYTES / 1024 / 1024} MiB` };
    }
    text = await res.text();
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { url: shown, why: `no answer within ${timeoutMs / 1_000} s` };
    const code = e.cause?.code;
    return { url: shown, why: code === 'ECONNREFUSED' ? 'connection refused' : `cannot connect (${(code ?? String(err)).slice(0, 80)})` };
  }
  const { samples, bad } = samplesOf(text, 'http_client_breakers');
  if (samples.length === 0)
    return {
      url: shown,
      why: bad > 0 ? `${bad} http_client_breakers lines that do not parse` : 'no http_client_breakers gauge in its metrics',
    };
  const states: Record<string, number> = { closed: 0, open: 0, 'half-open': 0 };
  let app: string | undefined;
  for (const s of samples) {
    const state = s.labels.state ?? '?';
    if (Number.isFinite(s.value)) states[state] = (states[state] ?? 0) + s.value;
    app ??= s.labels.app;
  }
  return { url: shown, ...(app ? { app } : {}), states };
}

// ---------------------------------------------------------------- rendering

interface Frame {
  at: Date;
  sessions: Section<SessionsData>;
  rates: Section<RatesData>;
  alerts: Section<AlertsData>;
  breakers: BreakerRow[] | undefined;
}

const clean = oneLine;

function table(headers: string[], rows: string[][], indent = '  '): string[] {
  const cells = rows.map((r) => r.map(clean));
  // A row's last cell is never padded, so it does not widen its column (a short row's reason spans the rest).
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (i < r.length - 1 ? r[i]!.length : 0))));
  const line = (values: string[]) =>
    indent +
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function renderFrame(
  frame: Frame,
  options: Pick<TopOptions, 'rows' | 'apiDisplay' | 'intervalMs'> & { nats: string; live: boolean },
): string[] {
  const lines: string[] = [];
  const time = frame.at.toISOString().replace('T', ' ').slice(0, 19);
  lines.push(
    `switchctl top  ${time} UTC  api ${options.apiDisplay}  nats ${options.nats}${options.live ? `  every ${options.intervalMs / 1_000}s, q quits` : ''}`,
  );
  lines.push('');

  const s = frame.sessions;
  if (!s.ok) lines.push(`SESSIONS  unavailable: ${s.why}`);
  else {
    const counts = SESSION_STATES.map((st) => `${st} ${s.data.byState[st] ?? 0}`).join('  ');
    lines.push(`SESSIONS  ${s.data.total} total: ${counts}${s.data.bad > 0 ? `  (${s.data.bad} entries not understood)` : ''}`);
    if (s.data.worst.length === 0) lines.push(s.data.total > 0 ? '  every session is synced' : '  no sessions reported');
    else {
      const shown = s.data.worst.slice(0, options.rows);
      lines.push(
        ...table(
          ['DEVICE', 'STATE', 'SINCE', 'LAST ERROR'],
          shown.map((w) => [
            w.device,
            w.state,
            ago(w.since, frame.at.getTime()),
            w.last_error ? `${w.last_error.code}: ${w.last_error.message}` : '',
          ]),
        ),
      );
      if (s.data.worst.length > shown.length) lines.push(`  … and ${s.data.worst.length - shown.length} more not synced`);
    }
  }
  lines.push('');

  const r = frame.rates;
  if (!r.ok) lines.push(`MESSAGES/S  unavailable: ${r.why}`);
  else if (r.data.rates === undefined)
    lines.push(`MESSAGES/S  measuring (the first figures come with the next frame); ${r.data.stored} messages stored`);
  else {
    lines.push(
      `MESSAGES/S  ${rate(r.data.totalPerSecond ?? 0)} total over ${(r.data.windowMs / 1_000).toFixed(1)} s; ${r.data.stored} messages stored`,
    );
    if (r.data.rates.length === 0) lines.push('  no device sent anything');
    else {
      const shown = r.data.rates.slice(0, options.rows);
      lines.push(
        ...table(
          ['DEVICE', 'MSG/S'],
          shown.map((d) => [d.device, rate(d.perSecond)]),
        ),
      );
      if (r.data.rates.length > shown.length) lines.push(`  … and ${r.data.rates.length - shown.length} more devices`);
    }
  }
  lines.push('');

  const a = frame.alerts;
  if (!a.ok) lines.push(`ALERTS (last hour)  unavailable: ${a.why}`);
  else {
    const kinds = a.data.byKind.map((k) => `${k.kind} ${k.count}`).join('  ');
    const partial = a.data.caughtUp ? '' : ' (still reading the hour)';
    const skipped = a.data.skipped > 0 ? `  (${a.data.skipped} on subjects that are not alert kinds)` : '';
    lines.push(`ALERTS (last hour)  ${a.data.total}${partial}${kinds ? `: ${kinds}` : ''}${skipped}`);
  }

  if (frame.breakers) {
    lines.push('');
    lines.push('BREAKERS (http_client_breakers)');
    lines.push(
      ...table(
        ['METRICS', 'APP', 'CLOSED', 'OPEN', 'HALF-OPEN'],
        frame.breakers.map((b) =>
          b.states
            ? [b.url, b.app ?? '-', String(b.states.closed ?? 0), String(b.states.open ?? 0), String(b.states['half-open'] ?? 0)]
            : [b.url, `unavailable: ${b.why ?? '?'}`],
        ),
      ),
    );
  }
  return lines;
}

/** True when a section could not get its data (the exit status of --once). */
function degraded(frame: Frame): boolean {
  return !frame.sessions.ok || !frame.rates.ok || !frame.alerts.ok || (frame.breakers ?? []).some((b) => !b.states);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Resolves with the section, or says it did not answer in time (a section never holds up the frame for longer). */
async function bounded<T>(promise: Promise<Section<T>>, ms: number): Promise<Section<T>> {
  const got = await within(promise, ms);
  return got ?? { ok: false, why: `no answer within ${ms / 1_000} s` };
}

export async function topCommand(argv: string[], io: StreamIo): Promise<number> {
  const options = parseTopArgs(argv, io);
  if (options === 'help') {
    io.out(TOP_USAGE);
    return EXIT.OK;
  }
  const live = io.isTty && !options.once;
  const quit = new AbortController();
  const signal = AbortSignal.any([io.signal, quit.signal]);
  const write = (text: string) => process.stdout.write(text);
  const stdin = process.stdin;
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === 'Q' || key === '\u0003') quit.abort();
  };
  if (live && stdin.isTTY) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  const nats = new NatsSource(options.nats);
  const meter = new RateMeter(nats);
  const alerts = new AlertWindow(nats);
  const timeoutMs = options.nats.timeoutMs;
  const telemetryStream = options.nats.topology.streams.telemetry.name;
  const eventsStream = options.nats.topology.streams.events.name;

  const gather = async (alertWaitMs: number): Promise<Frame> => {
    const [sessions, rates, alertData, breakers] = await Promise.all([
      bounded(sessionsSection(options.api), timeoutMs + 500),
      bounded(
        meter.sample().then(
          (data): Section<RatesData> => ({ ok: true, data }),
          (err: unknown): Section<RatesData> => ({ ok: false, why: natsWhy(err, options.nats, telemetryStream) }),
        ),
        timeoutMs + 500,
      ),
      bounded(
        alerts.snapshot(alertWaitMs).then(
          (data): Section<AlertsData> => ({ ok: true, data }),
          (err: unknown): Section<AlertsData> => ({ ok: false, why: natsWhy(err, options.nats, eventsStream) }),
        ),
        timeoutMs + alertWaitMs + 500,
      ),
      options.metrics.length === 0 ? Promise.resolve(undefined) : Promise.all(options.metrics.map((u) => breakerRow(u, timeoutMs))),
    ]);
    return { at: new Date(), sessions, rates, alerts: alertData, breakers };
  };

  const render = (frame: Frame) => renderFrame(frame, { ...options, nats: options.nats.display, live });
  let exitCode: number = EXIT.OK;
  try {
    if (options.once) {
      // One frame: the rates need two samples one interval apart; the alert consumer reads its hour meanwhile.
      await Promise.all([within(meter.sample(), timeoutMs), within(alerts.snapshot(0), timeoutMs)]);
      await sleep(options.intervalMs, signal);
      if (signal.aborted) return EXIT.OK;
      const frame = await gather(timeoutMs);
      for (const line of render(frame)) io.out(line);
      exitCode = degraded(frame) ? EXIT.FAILURE : EXIT.OK;
      return exitCode;
    }
    if (live) write('\u001b[?25l\u001b[2J');
    while (!signal.aborted) {
      const started = performance.now();
      const frame = await gather(0);
      if (signal.aborted) break;
      const lines = render(frame);
      if (live) {
        const columns = process.stdout.columns || 160;
        const rows = process.stdout.rows || 50;
        const fitted = lines.slice(0, Math.max(1, rows - 1)).map((l) => (l.length > columns ? `${l.slice(0, columns - 1)}…` : l));
        write(`\u001b[H${fitted.map((l) => `${l}\u001b[K`).join('\n')}\n\u001b[J`);
      } else {
        for (const line of lines) io.out(line);
        io.out('');
      }
      await sleep(Math.max(0, options.intervalMs - (performance.now() - started)), signal);
    }
    return EXIT.OK;
  } finally {
    if (live) write('\u001b[?25h');
    if (live && stdin.isTTY) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    await alerts.stop();
    await nats.close();
  }
}

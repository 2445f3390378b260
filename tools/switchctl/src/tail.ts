import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { assertSubjectToken } from '@switch-telemetry/bus';
import { telemetryMessageSchema, type TelemetryMessage } from '@switch-telemetry/contracts';
import type { CommandIo } from './api-commands';
import { parseCount } from './count';
import { parseDuration } from './duration';
import { parseFlags } from './flags';
import { CliError, EXIT } from './exit';
import { NATS_FLAGS_USAGE, NATS_OPTIONS, closeNats, connectNats, describeNatsError, resolveNats, within, type NatsTarget } from './nats';
import { oneLine } from './output';
import { compileGlob, fullPath, type PathMatcher } from './path-glob';

/** What the commands that run until stopped get besides CommandIo: stderr, and a signal for Ctrl-C / SIGTERM / a closed stdout. */
export interface StreamIo extends CommandIo {
  err: (line: string) => void;
  signal: AbortSignal;
}

export const TAIL_USAGE = `usage: switchctl tail [options]
  telemetry as it is stored in JetStream (the TELEMETRY stream), read through an ordered
  consumer of its own, deleted when tail stops (Ctrl-C, SIGTERM, --count reached)
  --device D         one device (a subject token: 1-128 of a-z 0-9 _ -); default every device
  --subscription S   one subscription (a subject token); default every subscription
  --path GLOB        only the updates whose full path (prefix + path) matches: * is any text within a
                     segment, ** any number of segments: '/interfaces/interface[name=*]/state/counters/*',
                     '**/oper-status'; a message with no update left is skipped
  --since 5m|TIME    start that long ago, or at an RFC 3339 time (what the stream still holds)
  --new              only what arrives from now on (the default)
  --count N          stop after N updates
  --output text|json one line per update or delete; text on a terminal, JSON lines when piped:
                     {"time","ts","device","subscription","source","path","value"}; a delete has
                     "deleted":true and no value
${NATS_FLAGS_USAGE}
A message that is not a telemetry message v1 is skipped; stderr says which and how many.`;

const DEFAULT_TIMEOUT_MS = 5_000;
/** The server deletes the consumer this long after tail stopped pulling (when tail was killed and could not). */
const INACTIVE_THRESHOLD_MS = 30_000;
const DELETE_TIMEOUT_MS = 2_000;

type TailOutput = 'text' | 'json';

interface TailOptions {
  subject: string;
  stream: string;
  matcher: PathMatcher | undefined;
  start: { since: Date } | 'new';
  count: number;
  output: TailOutput;
  target: NatsTarget;
}

function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, message);
}

/** --device / --subscription: a subject token, so a value can never widen the subject (`*`, `>`, a dot). */
function token(kind: string, value: string | undefined): string {
  if (value === undefined) return '*';
  try {
    return assertSubjectToken(kind, value);
  } catch (err) {
    throw usage(`--${kind}: ${(err as Error).message}`);
  }
}

/** --since: a duration back from now, or an RFC 3339 time in the past. */
export function parseSince(text: string, now = Date.now()): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) {
      if (at > now) throw usage('--since is in the future');
      return new Date(at);
    }
  }
  throw usage(`--since must be a duration like 5m or an RFC 3339 time, not "${text.slice(0, 40)}"`);
}

function parseTailArgs(argv: string[], io: StreamIo): TailOptions | 'help' {
  const parsed = parseFlags(argv, {
    ...NATS_OPTIONS,
    device: { type: 'string' },
    subscription: { type: 'string' },
    path: { type: 'string' },
    since: { type: 'string' },
    new: { type: 'boolean', default: false },
    count: { type: 'string' },
    output: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0)
    throw usage(`tail takes no arguments ("${positionals[0]!.slice(0, 40)}"): filters are --device, --subscription, --path`);
  const output = values.output ?? (io.isTty ? 'text' : 'json');
  if (output !== 'text' && output !== 'json') throw usage('--output must be text or json');
  if (values.new && values.since !== undefined) throw usage('--since and --new together: choose one');
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(values.timeout);
  if (timeoutMs === undefined) throw usage('--timeout must be a duration like 5s');
  const device = token('device', values.device);
  const subscription = token('subscription', values.subscription);
  let matcher: PathMatcher | undefined;
  if (values.path !== undefined) {
    try {
      matcher = compileGlob(values.path);
    } catch (err) {
      throw usage(`--path: ${(err as Error).message}`);
    }
  }
  const target = resolveNats(values, timeoutMs, io.env);
  const ns = target.topology.namespace;
  return {
    subject: `${ns ? `${ns}.` : ''}telemetry.${device}.${subscription}`,
    stream: target.topology.streams.telemetry.name,
    matcher,
    start: values.since === undefined ? 'new' : { since: parseSince(values.since) },
    count: parseCount(values.count),
    output,
    target,
  };
}

/** Nanoseconds since the epoch (a number or a decimal string) as an RFC 3339 time with milliseconds; '-' when out of range. */
export function timeOfTs(ts: number | string): string {
  try {
    const ms = typeof ts === 'number' ? Math.floor(ts / 1e6) : Number(BigInt(ts) / 1_000_000n);
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? '-' : date.toISOString();
  } catch {
    return '-';
  }
}

/** The lines one message gives: one per update (and delete) whose full path matches. */
export function linesOf(msg: TelemetryMessage, matcher: PathMatcher | undefined, output: TailOutput): string[] {
  const time = timeOfTs(msg.ts);
  const lines: string[] = [];
  const head = { time, ts: msg.ts, device: msg.device, subscription: msg.subscription, source: msg.source };
  for (const update of msg.updates) {
    const path = fullPath(msg.prefix, update.path);
    if (matcher && !matcher(path)) continue;
    lines.push(
      output === 'json'
        ? JSON.stringify({ ...head, path, value: update.value })
        : oneLine(`${time}  ${msg.device}  ${msg.subscription}  ${path}  ${JSON.stringify(update.value)}`),
    );
  }
  for (const deleted of msg.deletes) {
    const path = fullPath(msg.prefix, deleted);
    if (matcher && !matcher(path)) continue;
    lines.push(
      output === 'json'
        ? JSON.stringify({ ...head, path, deleted: true })
        : `${time}  ${msg.device}  ${msg.subscription}  ${oneLine(path)}  (deleted)`,
    );
  }
  return lines;
}

/** The message's telemetry, or why it is not telemetry (one short line: never the body). */
function decode(m: JsMsg): TelemetryMessage | string {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(m.data));
  } catch {
    return 'not JSON';
  }
  const parsed = telemetryMessageSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `not a telemetry message v1 (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`.slice(0, 200);
}

function consumerError(err: unknown, options: TailOptions): CliError {
  const message = String((err as Error)?.message ?? err);
  if (/stream not found/i.test(message)) {
    const hint = options.target.topology.namespace ? '' : ' (a test stack? give its --namespace)';
    return new CliError(EXIT.FAILURE, `no stream ${options.stream} on NATS at ${options.target.display}${hint}`);
  }
  return new CliError(EXIT.CONNECTION, describeNatsError(err, options.target));
}

export async function tailCommand(argv: string[], io: StreamIo): Promise<number> {
  const options = parseTailArgs(argv, io);
  if (options === 'help') {
    io.out(TAIL_USAGE);
    return EXIT.OK;
  }
  const { nc, js } = await connectNats(options.target, 'switchctl-tail');
  let closing = false;
  let printed = 0;
  let skipped = 0;
  let messages: ConsumerMessages | undefined;
  let consumer: Awaited<ReturnType<typeof js.consumers.get>> | undefined;
  let failure: CliError | undefined;
  const stop = () => messages?.stop();
  io.signal.addEventListener('abort', stop);
  const lost = nc.closed().then((err) => {
    if (closing) return;
    failure = new CliError(
      EXIT.CONNECTION,
      `NATS at ${options.target.display}: connection lost${err ? ` (${err.message.slice(0, 100)})` : ''}`,
    );
    stop();
  });
  try {
    try {
      consumer = await js.consumers.get(options.stream, {
        filter_subjects: options.subject,
        inactive_threshold: INACTIVE_THRESHOLD_MS,
        ...(options.start === 'new' ? { deliver_policy: DeliverPolicy.New } : { opt_start_time: options.start.since.toISOString() }),
      });
    } catch (err) {
      throw consumerError(err, options);
    }
    if (io.signal.aborted) return EXIT.OK;
    messages = await consumer.consume({ max_messages: 256, expires: 5_000 });
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'stream_not_found' || status.type === 'consumer_deleted') {
          // The ordered consumer recreates a deleted consumer itself; a deleted stream is the end.
          if (status.type === 'stream_not_found') {
            failure = new CliError(EXIT.FAILURE, `the stream ${options.stream} is gone`);
            stop();
          }
        }
      }
    })().catch(() => undefined);
    if (io.signal.aborted) stop();
    for await (const m of messages) {
      const msg = decode(m);
      if (typeof msg === 'string') {
        skipped += 1;
        if (skipped === 1)
          io.err(`switchctl: skipped a message on ${oneLine(m.subject).slice(0, 200)} (stream seq ${m.info.streamSequence}): ${msg}`);
        continue;
      }
      const lines = linesOf(msg, options.matcher, options.output);
      for (const line of lines) {
        io.out(line);
        printed += 1;
        if (printed >= options.count) break;
      }
      if (printed >= options.count) break;
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw failure ?? new CliError(EXIT.FAILURE, describeNatsError(err, options.target));
  } finally {
    io.signal.removeEventListener('abort', stop);
    stop();
    closing = true;
    // Nothing is left behind: the consumer goes now (the server's inactivity threshold is the fallback for a kill).
    if (consumer && !nc.isClosed()) await within(consumer.delete(), DELETE_TIMEOUT_MS);
    await closeNats(nc);
    await within(lost, 100);
    if (skipped > 0)
      io.err(
        `switchctl: skipped ${skipped === 1 ? '1 message that was not a telemetry message' : `${skipped} messages that were not telemetry messages`} v1`,
      );
  }
  if (failure) throw failure;
  return EXIT.OK;
}

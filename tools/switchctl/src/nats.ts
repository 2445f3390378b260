import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { createTopology, type Topology } from '@switch-telemetry/bus';
import { CONNECTION_CODES, CliError, EXIT } from './exit';

export const DEFAULT_NATS = 'nats://127.0.0.1:4222';

export const NATS_FLAGS_USAGE = `  --nats URL         NATS (or SWITCHCTL_NATS; default ${DEFAULT_NATS}); comma-separated for a cluster
  --namespace NS     the stack's namespace (streams NS_TELEMETRY, subjects NS.telemetry.>), as NATS_NAMESPACE of the apps
  --timeout 5s       how long NATS may stay silent (connecting, JetStream requests); a refused connection fails at once
  credentials only from the environment: SWITCHCTL_NATS_TOKEN, or SWITCHCTL_NATS_USER and SWITCHCTL_NATS_PASSWORD`;

export const NATS_OPTIONS = {
  nats: { type: 'string' },
  namespace: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const SCHEMES = ['nats:', 'tls:', 'ws:', 'wss:'];

/** Where NATS is and how to log in; `display` is the URL list without any password, for messages. */
export interface NatsTarget {
  servers: string[];
  display: string;
  token?: string;
  user?: string;
  password?: string;
  timeoutMs: number;
  topology: Topology;
}

/** A URL for messages: user info dropped (a password in a URL must never reach a terminal or a log). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

/** Resolves --nats / SWITCHCTL_NATS, --namespace and the credentials of the environment; bad values are usage errors. */
export function resolveNats(
  flags: { nats?: string | undefined; namespace?: string | undefined },
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): NatsTarget {
  const text = flags.nats ?? env.SWITCHCTL_NATS ?? DEFAULT_NATS;
  const servers = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) throw new CliError(EXIT.USAGE, '--nats must be one or more URLs');
  for (const server of servers) {
    let ok = false;
    try {
      ok = SCHEMES.includes(new URL(server).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new CliError(EXIT.USAGE, `--nats must be nats://, tls://, ws:// or wss:// URLs, not "${redactUrl(server).slice(0, 100)}"`);
  }
  let topology: Topology;
  try {
    topology = createTopology({ namespace: flags.namespace ?? '' });
  } catch (err) {
    throw new CliError(EXIT.USAGE, `--namespace: ${(err as Error).message}`);
  }
  const token = env.SWITCHCTL_NATS_TOKEN || undefined;
  const user = env.SWITCHCTL_NATS_USER || undefined;
  return {
    servers,
    display: servers.map(redactUrl).join(','),
    ...(token ? { token } : {}),
    ...(user ? { user, password: env.SWITCHCTL_NATS_PASSWORD ?? '' } : {}),
    timeoutMs,
    topology,
  };
}

export interface NatsHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** One line for a NATS failure, with the URL (never its password) and no library stack. */
export function describeNatsError(err: unknown, target: NatsTarget): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const known = code ? CONNECTION_CODES[code] : undefined;
  if (known) return `NATS at ${target.display}: ${known}`;
  const message = String(e.message ?? err);
  if (/timeout/i.test(e.name ?? '') || /timeout/i.test(message))
    return `NATS at ${target.display}: no answer within ${target.timeoutMs / 1_000} s`;
  if (/authoriz|authenticat/i.test(message))
    return `NATS at ${target.display}: credentials refused (SWITCHCTL_NATS_TOKEN / _USER / _PASSWORD)`;
  return `NATS at ${target.display}: ${message.split('\n')[0]!.slice(0, 200)}`;
}

/**
 * Connects (a refused connection fails at once, silence after timeoutMs) and
 * opens JetStream; reconnects a few times when the connection drops later, then
 * gives up (nc.closed() resolves). Throws CliError 69 or 77.
 */
export async function connectNats(target: NatsTarget, name: string): Promise<NatsHandles> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.servers,
      name,
      ...(target.token ? { token: target.token } : {}),
      ...(target.user ? { user: target.user, pass: target.password ?? '' } : {}),
      timeout: target.timeoutMs,
      reconnect: true,
      maxReconnectAttempts: 10,
      reconnectTimeWait: 1_000,
      waitOnFirstConnect: false,
      noAsyncTraces: true,
    });
  } catch (err) {
    const line = describeNatsError(err, target);
    throw new CliError(line.includes('credentials refused') ? EXIT.AUTH : EXIT.CONNECTION, line);
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: target.timeoutMs });
    return { nc, js: jetstream(nc, { timeout: target.timeoutMs }), jsm };
  } catch (err) {
    await nc.close().catch(() => undefined);
    const e = err as { message?: string };
    if (/no responders|503/i.test(e.message ?? ''))
      throw new CliError(EXIT.CONNECTION, `NATS at ${target.display}: JetStream is not enabled`);
    throw new CliError(EXIT.CONNECTION, describeNatsError(err, target));
  }
}

/** Resolves with `promise`, or undefined after ms (a wait that must not hang: deletes, drains). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => undefined),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Closes a connection, waiting at most ms for it. */
export async function closeNats(nc: NatsConnection, ms = 2_000): Promise<void> {
  if (nc.isClosed()) return;
  await within(nc.close(), ms);
}

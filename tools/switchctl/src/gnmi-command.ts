import { createLogger } from '@switch-telemetry/logging';
import {
  GnmiClient,
  GnmiConnectError,
  GnmiRpcError,
  ValueDecodeError,
  normalizeNotification,
  parsePath,
  type Encoding,
  type Path,
  type SubscriptionMode,
  type TlsOptions,
} from '@switch-telemetry/gnmi';
import { parseCount } from './count';
import { parseDuration } from './duration';
import { parseFlags } from './flags';
import { CliError, EXIT } from './exit';

const ENCODINGS: Record<string, Encoding> = { json: 'JSON', json_ietf: 'JSON_IETF', proto: 'PROTO', ascii: 'ASCII', bytes: 'BYTES' };
const STREAM_MODES: Record<string, SubscriptionMode> = { sample: 'SAMPLE', 'on-change': 'ON_CHANGE', 'target-defined': 'TARGET_DEFINED' };

export const GNMI_USAGE = `usage: switchctl gnmi capabilities|get|subscribe --address host:port [options]
  --username U --password P      credentials (or SWITCHCTL_USERNAME / SWITCHCTL_PASSWORD)
  --tls-ca FILE                  verify the target with this CA (default: the system's)
  --tls-cert FILE --tls-key FILE client certificate (mutual TLS)
  --server-name NAME             the name in the target's certificate
  --skip-verify                  TLS without verifying the certificate (warned)
  --insecure                     plaintext, no TLS
  --path P (repeatable)          /interfaces/interface[name=*]/state/counters, origin:/...
  --prefix P                     common prefix
  --mode stream|once|poll        subscribe mode (default stream)
  --stream-mode sample|on-change|target-defined   (default sample)
  --interval 10s                 sample interval; poll period in poll mode
  --heartbeat 60s --suppress-redundant --updates-only
  --encoding json|json_ietf|proto (default json_ietf)
  --count N                      stop after N messages
  --device NAME                  device name in the output (default the address)
  --timeout 10s                  connect / unary call timeout`;

/** Runs `switchctl gnmi ...`; writes JSON lines to `out`; returns the exit status (throws CliError on failure). */
export async function gnmiCommand(argv: string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseFlags(argv, {
    address: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'server-name': { type: 'string' },
    'skip-verify': { type: 'boolean', default: false },
    insecure: { type: 'boolean', default: false },
    path: { type: 'string', multiple: true, default: [] },
    prefix: { type: 'string' },
    mode: { type: 'string', default: 'stream' },
    'stream-mode': { type: 'string', default: 'sample' },
    interval: { type: 'string', default: '10s' },
    heartbeat: { type: 'string' },
    'suppress-redundant': { type: 'boolean', default: false },
    'updates-only': { type: 'boolean', default: false },
    encoding: { type: 'string', default: 'json_ietf' },
    count: { type: 'string' },
    device: { type: 'string' },
    timeout: { type: 'string', default: '10s' },
  });
  const { values: o, positionals } = parsed;
  const action = positionals[0];
  if (!['capabilities', 'get', 'subscribe'].includes(action ?? '')) throw new CliError(EXIT.USAGE, GNMI_USAGE);
  if (!o.address || !/^[^\s]+:\d{1,5}$/.test(o.address)) throw new CliError(EXIT.USAGE, '--address host:port is required');
  if (o.insecure && (o['skip-verify'] || o['tls-ca'])) throw new CliError(EXIT.USAGE, '--insecure (plaintext) cannot go with TLS options');
  const encoding = ENCODINGS[o.encoding.toLowerCase()];
  if (!encoding) throw new CliError(EXIT.USAGE, `--encoding must be one of ${Object.keys(ENCODINGS).join(', ')}`);
  const timeoutMs = parseDuration(o.timeout);
  const intervalMs = parseDuration(o.interval);
  if (!timeoutMs || !intervalMs) throw new CliError(EXIT.USAGE, '--timeout and --interval take a duration like 500ms, 10s, 1m');
  const count = parseCount(o.count);
  let paths: Path[];
  let prefix: Path | undefined;
  try {
    paths = o.path.map((p) => parsePath(p));
    prefix = o.prefix ? parsePath(o.prefix) : undefined;
  } catch (err) {
    throw new CliError(EXIT.USAGE, (err as Error).message);
  }
  if (action !== 'capabilities' && paths.length === 0) throw new CliError(EXIT.USAGE, '--path is required for get and subscribe');

  const tls: TlsOptions | false = o.insecure
    ? false
    : {
        ...(o['tls-ca'] ? { caFile: o['tls-ca'] } : {}),
        ...(o['tls-cert'] ? { certFile: o['tls-cert'] } : {}),
        ...(o['tls-key'] ? { keyFile: o['tls-key'] } : {}),
        ...(o['server-name'] ? { serverName: o['server-name'] } : {}),
        ...(o['skip-verify'] ? { insecureSkipVerify: true } : {}),
      };
  const username = o.username ?? env.SWITCHCTL_USERNAME;
  const password = o.password ?? env.SWITCHCTL_PASSWORD;
  const log = createLogger({ app: 'switchctl', level: 'warn', destination: process.stderr as never });
  const client = new GnmiClient({
    address: o.address,
    tls,
    log,
    connectTimeoutMs: timeoutMs,
    rpcTimeoutMs: timeoutMs,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  });
  const device = o.device ?? o.address;
  try {
    await client.connect();
    if (action === 'capabilities') {
      out(JSON.stringify(await client.capabilities()));
      return EXIT.OK;
    }
    if (action === 'get') {
      const res = await client.get({ path: paths, encoding, ...(prefix ? { prefix } : {}) });
      let n = 0;
      for (const notification of res.notification ?? []) {
        if (n++ >= count) break;
        out(JSON.stringify(normalizeNotification(notification, device, 'get')));
      }
      return EXIT.OK;
    }
    const mode = o.mode.toUpperCase();
    if (!['STREAM', 'ONCE', 'POLL'].includes(mode)) throw new CliError(EXIT.USAGE, '--mode must be stream, once or poll');
    const streamMode = STREAM_MODES[o['stream-mode']];
    if (!streamMode) throw new CliError(EXIT.USAGE, '--stream-mode must be sample, on-change or target-defined');
    const heartbeatMs = o.heartbeat ? parseDuration(o.heartbeat) : undefined;
    if (o.heartbeat && !heartbeatMs) throw new CliError(EXIT.USAGE, '--heartbeat takes a duration');
    const ns = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);
    const sub = client.subscribe({
      mode: mode as 'STREAM' | 'ONCE' | 'POLL',
      encoding,
      updates_only: o['updates-only'],
      ...(prefix ? { prefix } : {}),
      subscription: paths.map((path) => ({
        path,
        mode: streamMode,
        sample_interval: ns(intervalMs),
        suppress_redundant: o['suppress-redundant'],
        ...(heartbeatMs ? { heartbeat_interval: ns(heartbeatMs) } : {}),
      })),
    });
    const poller = mode === 'POLL' ? setInterval(() => sub.poll(), intervalMs) : undefined;
    let n = 0;
    try {
      for await (const event of sub) {
        if (event.kind !== 'update') continue;
        out(JSON.stringify(normalizeNotification(event.notification, device, 'cli')));
        if (++n >= count) {
          sub.cancel();
          break;
        }
      }
    } finally {
      clearInterval(poller);
    }
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof GnmiConnectError) throw new CliError(EXIT.CONNECTION, err.message);
    if (err instanceof GnmiRpcError) {
      if (err.isAuthFailure) throw new CliError(EXIT.AUTH, err.message);
      if (err.grpcStatus === 'UNAVAILABLE' || err.grpcStatus === 'DEADLINE_EXCEEDED') throw new CliError(EXIT.CONNECTION, err.message);
      throw new CliError(EXIT.FAILURE, err.message);
    }
    if (err instanceof ValueDecodeError) throw new CliError(EXIT.DATA, err.message);
    throw new CliError(EXIT.FAILURE, (err as Error).message);
  } finally {
    client.close();
  }
}

import { homedir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switch-telemetry/logging';
import {
  FramingError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  MessageTooLargeError,
  NetconfAuthError,
  NetconfConfigError,
  NetconfConnectError,
  NetconfRpcError,
  NetconfTimeoutError,
  SessionClosedError,
  XmlError,
  XmlLimitError,
  connectNetconf,
  fileHostKeyStore,
  normalizeNotification,
  normalizeReply,
  parseXml,
  type Filter,
  type HostKeyPolicy,
} from '@switch-telemetry/netconf';
import { parseCount } from './count';
import { parseDuration } from './duration';
import { parseFlags } from './flags';
import { CliError, EXIT } from './exit';

export const NETCONF_USAGE = `usage: switchctl netconf hello|get|get-config|subscribe --address host:port --username U (--password P | --key FILE) (--host-key SHA256:... | --known-hosts FILE | --accept-new) [options]
  --password P / --key FILE      credentials (or SWITCHCTL_PASSWORD)
  --host-key SHA256:...          the device's pinned host key (repeatable)
  --known-hosts FILE             an OpenSSH known_hosts file
  --accept-new                   trust on first use: record the key (SWITCHCTL_KNOWN_KEYS, default ~/.switchctl-known-keys.json), refuse a different one later
  --filter XML                   subtree filter
  --xpath X                      XPath filter (the device must announce :xpath)
  --source running|candidate|startup   for get-config (default running)
  --stream NAME                  for subscribe (default NETCONF)
  --count N                      stop after N messages
  --device NAME                  device name in the output (default the address)
  --timeout 30s                  connect and RPC timeout`;

/** Runs `switchctl netconf ...`; writes JSON lines to `out`; throws CliError on failure. */
export async function netconfCommand(argv: string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseFlags(argv, {
    address: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    key: { type: 'string' },
    'host-key': { type: 'string', multiple: true, default: [] },
    'known-hosts': { type: 'string' },
    'accept-new': { type: 'boolean', default: false },
    filter: { type: 'string' },
    xpath: { type: 'string' },
    source: { type: 'string', default: 'running' },
    stream: { type: 'string', default: 'NETCONF' },
    count: { type: 'string' },
    device: { type: 'string' },
    timeout: { type: 'string', default: '30s' },
  });
  const { values: o, positionals } = parsed;
  const action = positionals[0];
  if (!['hello', 'get', 'get-config', 'subscribe'].includes(action ?? '')) throw new CliError(EXIT.USAGE, NETCONF_USAGE);
  const address = /^(.+):(\d{1,5})$/.exec(o.address ?? '');
  if (!address) throw new CliError(EXIT.USAGE, '--address host:port is required');
  if (!o.username) throw new CliError(EXIT.USAGE, '--username is required');
  const password = o.password ?? env.SWITCHCTL_PASSWORD;
  if (!password && !o.key) throw new CliError(EXIT.USAGE, '--password or --key is required');
  if (o['host-key'].length === 0 && !o['known-hosts'] && !o['accept-new']) {
    throw new CliError(EXIT.USAGE, 'say how to trust the host key: --host-key, --known-hosts or --accept-new');
  }
  if (o.filter && o.xpath) throw new CliError(EXIT.USAGE, '--filter and --xpath exclude each other');
  if (o.filter) checkSubtreeFilter(o.filter);
  if (!['running', 'candidate', 'startup'].includes(o.source))
    throw new CliError(EXIT.USAGE, '--source must be running, candidate or startup');
  const timeoutMs = parseDuration(o.timeout);
  if (!timeoutMs) throw new CliError(EXIT.USAGE, '--timeout takes a duration like 500ms, 10s, 1m');
  const count = parseCount(o.count);

  const hostKey: HostKeyPolicy = {
    ...(o['host-key'].length ? { fingerprints: o['host-key'] } : {}),
    ...(o['known-hosts'] ? { knownHostsFile: o['known-hosts'] } : {}),
    ...(o['accept-new']
      ? { trustOnFirstUse: { store: fileHostKeyStore(env.SWITCHCTL_KNOWN_KEYS ?? join(homedir(), '.switchctl-known-keys.json')) } }
      : {}),
  };
  const filter: Filter | undefined = o.filter ? { subtree: o.filter } : o.xpath ? { xpath: o.xpath } : undefined;
  const device = o.device ?? o.address!;
  let connection;
  try {
    connection = await connectNetconf({
      host: address[1]!,
      port: Number(address[2]),
      username: o.username,
      hostKey,
      log: createLogger({ app: 'switchctl', level: 'warn', destination: process.stderr as never }),
      connectTimeoutMs: timeoutMs,
      rpcTimeoutMs: timeoutMs,
      helloTimeoutMs: timeoutMs,
      ...(password ? { password } : {}),
      ...(o.key ? { privateKeyFile: o.key } : {}),
    });
    const { session, hello } = connection;
    if (action === 'hello') {
      out(JSON.stringify({ session_id: hello.sessionId, framing: hello.framing, capabilities: hello.capabilities }));
    } else if (action === 'get') {
      out(JSON.stringify(normalizeReply(await session.get(filter), device, 'get')));
    } else if (action === 'get-config') {
      out(JSON.stringify(normalizeReply(await session.getConfig(o.source as 'running', filter), device, 'get-config')));
    } else {
      await session.createSubscription({ stream: o.stream, ...(filter ? { filter } : {}) });
      let n = 0;
      for await (const notification of session.notificationStream()) {
        out(JSON.stringify(normalizeNotification(notification, device, o.stream.toLowerCase())));
        if (++n >= count) break;
      }
    }
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof NetconfAuthError || err instanceof HostKeyMismatchError || err instanceof HostKeyUnknownError)
      throw new CliError(EXIT.AUTH, err.message);
    if (err instanceof NetconfConnectError || err instanceof SessionClosedError || err instanceof NetconfTimeoutError)
      throw new CliError(EXIT.CONNECTION, err.message);
    if (err instanceof FramingError || err instanceof XmlError || err instanceof XmlLimitError || err instanceof MessageTooLargeError)
      throw new CliError(EXIT.DATA, err.message);
    if (err instanceof NetconfConfigError) throw new CliError(EXIT.USAGE, err.message);
    if (err instanceof NetconfRpcError) throw new CliError(EXIT.FAILURE, err.message);
    throw new CliError(EXIT.FAILURE, (err as Error).message);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * A subtree filter goes inside the RPC as it is: XML that is not well-formed
 * would make the device drop the session, so it is a usage error here,
 * before connecting. The filter may hold several elements (a fragment).
 */
export function checkSubtreeFilter(filter: string): void {
  try {
    parseXml(`<filter>${filter}</filter>`);
  } catch (err) {
    if (!(err instanceof XmlError || err instanceof XmlLimitError)) throw err;
    throw new CliError(EXIT.USAGE, `--filter is not well-formed XML: ${err.message}`);
  }
}

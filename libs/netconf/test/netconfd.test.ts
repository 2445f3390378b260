import { existsSync, readFileSync } from 'node:fs';
import { createLogger } from '@switch-telemetry/logging';
import { HostKeyMismatchError, connectNetconf, fingerprintOf, normalizeReply, type NetconfConnection } from '../src';

// A real NETCONF server: Debian's netconfd behind sshd (tools/netconfd/start.sh, which npm test runs first).
const DIR = process.env.NETCONFD_DIR ?? '/tmp/st-netconfd';
const PORT = Number(process.env.NETCONFD_PORT ?? 8830);
const HOW = 'npm test starts it before the tests (as root); alone: bash tools/netconfd/start.sh';
const log = createLogger({ app: 'test', level: 'silent' });

function hostFingerprint(): string {
  const line = readFileSync(`${DIR}/host_ed25519.pub`, 'utf8').trim().split(/\s+/);
  return fingerprintOf(Buffer.from(line[1]!, 'base64'));
}

let connection: NetconfConnection;
beforeAll(async () => {
  if (!existsSync(`${DIR}/client_ed25519`)) throw new Error(`netconfd is not set up (${DIR} is missing); ${HOW}`);
  try {
    connection = await connectNetconf({
      host: '127.0.0.1',
      port: PORT,
      username: 'netconf-test',
      privateKeyFile: `${DIR}/client_ed25519`,
      hostKey: { fingerprints: [hostFingerprint()] },
      log,
      connectTimeoutMs: 5_000,
    });
  } catch (err) {
    throw new Error(`netconfd does not answer on 127.0.0.1:${PORT} (${(err as Error).message}); ${HOW}`, { cause: err });
  }
});
afterAll(() => connection?.close());

describe('against netconfd (yuma123)', () => {
  it('exchanges hellos and agrees on chunked framing', () => {
    expect(connection.hello.framing).toBe('chunked');
    expect(connection.hello.capabilities).toContain('urn:ietf:params:netconf:base:1.1');
    expect(connection.hello.capabilities.some((c) => c.startsWith('urn:ietf:params:xml:ns:yang:ietf-interfaces'))).toBe(true);
  });

  it('gets interfaces-state with counters', async () => {
    const reply = await connection.session.get({ subtree: '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' });
    const msg = normalizeReply(reply, 'netconfd', 'interfaces');
    expect(msg.prefix).toBe('/interfaces-state');
    const octets = msg.updates.find((u) => u.path === 'interface[name=lo]/statistics/in-octets');
    expect(octets).toBeDefined();
    expect(Number(octets!.value)).toBeGreaterThanOrEqual(0);
  });

  it('gets the running configuration', async () => {
    const reply = await connection.session.getConfig('running');
    expect(reply.data).toBeDefined();
    expect(reply.raw.toString()).toContain('<data');
  });

  it('accepts create-subscription on the NETCONF stream', async () => {
    await expect(connection.session.createSubscription({ stream: 'NETCONF' })).resolves.toBeUndefined();
  });

  it('refuses the same server when the pinned key is another', async () => {
    await expect(
      connectNetconf({
        host: '127.0.0.1',
        port: PORT,
        username: 'netconf-test',
        privateKeyFile: `${DIR}/client_ed25519`,
        hostKey: { fingerprints: ['SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'] },
        log,
      }),
    ).rejects.toBeInstanceOf(HostKeyMismatchError);
  });
});

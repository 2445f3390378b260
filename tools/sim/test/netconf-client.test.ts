import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { utils } from 'ssh2';
import { createLogger } from '@switch-telemetry/logging';
import {
  FramingError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  NetconfAuthError,
  NetconfConfigError,
  NetconfRpcError,
  NetconfTimeoutError,
  SessionClosedError,
  connectNetconf,
  isPasswordPrompt,
  memoryHostKeyStore,
  normalizeNotification,
  normalizeReply,
  parseXml,
  type NetconfConnectOptions,
  type NetconfConnection,
  type XmlNode,
} from '@switch-telemetry/netconf';
import { referenceParseXml } from '@switch-telemetry/netconf/testing';
import { NetconfDevice, type NetconfDeviceOptions } from '../src';

const log = createLogger({ app: 'test', level: 'silent' });
const devices: NetconfDevice[] = [];
const connections: NetconfConnection[] = [];
let hostNo = 10;

async function device(options: Partial<NetconfDeviceOptions> = {}): Promise<NetconfDevice> {
  hostNo += 1;
  const d = new NetconfDevice({
    name: `nc${hostNo}`,
    host: `127.10.6.${hostNo}`,
    port: 0,
    username: 'netconf',
    password: 'nc-secret',
    tickMs: 50,
    notificationMs: 50,
    ...options,
  });
  await d.start();
  devices.push(d);
  return d;
}

async function connect(d: NetconfDevice, options: Partial<NetconfConnectOptions> = {}): Promise<NetconfConnection> {
  const c = await connectNetconf({
    host: d.options.host,
    port: d.port,
    username: 'netconf',
    password: 'nc-secret',
    hostKey: { fingerprints: [d.fingerprint] },
    log,
    rpcTimeoutMs: 2_000,
    ...options,
  });
  connections.push(c);
  return c;
}

afterAll(async () => {
  for (const c of connections) await c.close().catch(() => undefined);
  for (const d of devices) await d.stop();
});

describe('NETCONF client against the simulated device', () => {
  it.each([
    ['chunked (base:1.1)', false, 'chunked'],
    ['end-of-message (base:1.0 only)', true, 'eom'],
  ])('exchanges hellos and gets interfaces-state in %s framing', async (_what, eomOnly, framing) => {
    const d = await device({ eomOnly });
    const c = await connect(d);
    expect(c.hello.framing).toBe(framing);
    expect(c.hello.capabilities).toContain('urn:ietf:params:netconf:capability:notification:1.0');
    const reply = await c.session.get({ subtree: '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' });
    const msg = normalizeReply(reply, 'spine-01', 'interfaces');
    expect(msg).toMatchObject({ v: 1, device: 'spine-01', source: 'netconf', prefix: '/interfaces-state', deletes: [] });
    const inOctets = msg.updates.find((u) => u.path === 'interface[name=eth1]/statistics/in-octets');
    expect(typeof inOctets?.value === 'number' || typeof inOctets?.value === 'string').toBe(true);
    expect(msg.updates.find((u) => u.path === 'interface[name=eth2]/oper-status')?.value).toMatch(/^(up|down)$/);
    expect(msg.updates.some((u) => u.path.startsWith('interfaces/'))).toBe(false);
  });

  it('reads get-config and the 2018 combined interfaces tree', async () => {
    const c = await connect(await device());
    const config = normalizeReply(await c.session.getConfig('running'), 'd', 'config');
    expect(config.prefix).toBe('/interfaces');
    expect(config.updates).toContainEqual({ path: 'interface[name=eth1]/description', value: 'simulated eth1' });
    const state = normalizeReply(
      await c.session.get({ subtree: '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' }),
      'd',
      's',
    );
    expect(state.updates.some((u) => u.path === 'interface[name=eth1]/statistics/out-octets')).toBe(true);
  });

  it('correlates concurrent RPCs by message-id', async () => {
    const c = await connect(await device());
    const replies = await Promise.all([1, 2, 3, 4, 5].map(() => c.session.get()));
    expect(new Set(replies.map((r) => r.messageId)).size).toBe(5);
  });

  it('streams notifications after create-subscription, stamped with their eventTime', async () => {
    const c = await connect(await device());
    await c.session.createSubscription({ stream: 'NETCONF' });
    const got = [];
    for await (const n of c.session.notificationStream()) {
      got.push(normalizeNotification(n, 'd', 'events'));
      if (got.length === 3) break;
    }
    expect(got[0]).toMatchObject({ source: 'netconf', prefix: '/interface-statistics' });
    expect(Number(got[0]!.ts)).toBeGreaterThan(Date.now() * 1e6 - 10e9);
    expect(got[0]!.updates.some((u) => u.path === 'interface[name=eth1]/in-octets')).toBe(true);
  });

  it('parses what the device sends as the previous parser did, so the normalised messages are byte-identical', async () => {
    const c = await connect(await device({ interfaces: 6 }));
    const replies = [
      await c.session.get({ subtree: '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' }),
      await c.session.get({ subtree: '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' }),
      await c.session.get(),
      await c.session.getConfig('running'),
    ];
    for (const reply of replies) {
      const previous = referenceParseXml(reply.raw);
      expect(JSON.stringify(parseXml(reply.raw))).toBe(JSON.stringify(previous));
      const data = (previous['rpc-reply'] as XmlNode).data as XmlNode;
      expect(JSON.stringify(normalizeReply(reply, 'd', 's', '1'))).toBe(JSON.stringify(normalizeReply({ ...reply, data }, 'd', 's', '1')));
    }
    await c.session.createSubscription({ stream: 'NETCONF' });
    let seen = 0;
    for await (const n of c.session.notificationStream()) {
      const previous = referenceParseXml(n.raw);
      expect(JSON.stringify(parseXml(n.raw))).toBe(JSON.stringify(previous));
      const event = Object.fromEntries(
        Object.entries(previous.notification as XmlNode).filter(([key]) => key !== 'eventTime' && !key.startsWith('@')),
      );
      expect(JSON.stringify(normalizeNotification(n, 'd', 's'))).toBe(JSON.stringify(normalizeNotification({ ...n, event }, 'd', 's')));
      if (++seen === 3) break;
    }
  });

  it('closes promptly while notifications are backed up behind a consumer that stopped reading', async () => {
    const c = await connect(await device({ notificationMs: 0 }));
    await c.session.createSubscription({ stream: 'NETCONF' });
    for await (const _n of c.session.notificationStream()) break;
    // The device keeps sending; the session buffers, then pauses the transport.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await c.close();
    // The close-session reply was read (waiting for it out would take the 2 s close timeout).
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['in-use', 'retryable'],
    ['access-denied', 'permanent'],
    ['operation-failed', 'unknown'],
  ])('maps an rpc-error with tag %s to a %s NetconfRpcError', async (tag, classification) => {
    const c = await connect(await device({ fault: 'rpc-error', errorTag: tag }));
    const error = await c.session.get().catch((e) => e);
    expect(error).toBeInstanceOf(NetconfRpcError);
    expect(error.classification).toBe(classification);
    expect(error.errors[0]).toMatchObject({
      type: 'application',
      tag,
      severity: 'error',
      path: '/interfaces',
      message: 'simulated failure',
    });
  });

  it('times out an RPC the device does not answer in time', async () => {
    const c = await connect(await device({ fault: 'slow', slowMs: 3_000 }));
    await expect(c.session.get(undefined, 300)).rejects.toBeInstanceOf(NetconfTimeoutError);
  });

  it('fails outstanding RPCs with SessionClosedError when the device disconnects', async () => {
    const c = await connect(await device({ fault: 'disconnect' }));
    await expect(c.session.get()).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('ends the session with a FramingError when the device breaks the framing', async () => {
    const c = await connect(await device({ fault: 'bad-framing' }));
    await expect(c.session.get()).rejects.toBeInstanceOf(FramingError);
  });

  it('closes a session that hears nothing for the idle timeout', async () => {
    const d = await device();
    const c = await connect(d, { idleTimeoutMs: 300 });
    const closed = new Promise<Error>((r) => c.session.onClose(r));
    expect(await closed).toBeInstanceOf(SessionClosedError);
  });
});

describe('host keys are verified, never accepted silently', () => {
  it('refuses a device whose key is not the pinned one', async () => {
    const d = await device();
    const error = await connect(d, { hostKey: { fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] } }).catch((e) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect(error.classification).toBe('permanent');
  });

  it('requires a policy, and refuses an unknown key without trust-on-first-use', async () => {
    const d = await device();
    await expect(connect(d, { hostKey: {} })).rejects.toBeInstanceOf(NetconfConfigError);
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    writeFileSync(
      join(dir, 'known_hosts'),
      '# nothing for this device\n[127.0.0.1]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake\n',
    );
    await expect(connect(d, { hostKey: { knownHostsFile: join(dir, 'known_hosts') } })).rejects.toBeInstanceOf(HostKeyUnknownError);
  });

  it('accepts a device listed in a known_hosts file', async () => {
    const d = await device();
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    writeFileSync(join(dir, 'known_hosts'), `${d.knownHostsLine()}\n`);
    const c = await connect(d, { hostKey: { knownHostsFile: join(dir, 'known_hosts') } });
    expect(c.hello.capabilities.length).toBeGreaterThan(0);
  });

  it('with trust-on-first-use records the first key and refuses a different one later', async () => {
    const store = memoryHostKeyStore();
    const first = await device();
    const c = await connect(first, { hostKey: { trustOnFirstUse: { store } } });
    expect(store.get(`${first.options.host}:${first.port}`)).toBe(first.fingerprint);
    await c.close();
    const { host } = first.options;
    const port = first.port;
    await first.stop();
    // Another device (another key) now answers on the same address.
    const impostor = new NetconfDevice({ name: 'impostor', host, port, username: 'netconf', password: 'nc-secret' });
    await impostor.start();
    devices.push(impostor);
    await expect(connect(impostor, { hostKey: { trustOnFirstUse: { store } } })).rejects.toBeInstanceOf(HostKeyMismatchError);
  });
});

it('reports refused credentials as NetconfAuthError', async () => {
  const d = await device();
  await expect(connect(d, { password: 'wrong' })).rejects.toBeInstanceOf(NetconfAuthError);
});

/** Runs one connectNetconf in a child process (a crash or a hang there cannot take the test runner with it). */
function probe(
  options: Omit<NetconfConnectOptions, 'log'>,
): Promise<{ exitCode: number | null; stderr: string; result: Record<string, unknown> | undefined }> {
  const root = resolve(__dirname, '..', '..', '..');
  const script = join(__dirname, 'fixtures', 'netconf-connect-probe.ts');
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, JSON.stringify(options)],
      { cwd: root, timeout: 20_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop();
        let result: Record<string, unknown> | undefined;
        try {
          result = line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
        } catch {
          result = undefined;
        }
        done({ exitCode: error ? ((error as { code?: number }).code ?? null) : 0, stderr, result });
      },
    );
  });
}

/** Waits until the device holds no SSH connection (a failed client must not leave one open). */
async function noConnectionsLeft(d: NetconfDevice): Promise<void> {
  const until = Date.now() + 3_000;
  while (d.connectionCount > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(d.connectionCount).toBe(0);
}

describe('files and host keys a caller gets wrong fail as typed errors, not crashes', () => {
  it('rejects an unreadable known_hosts file with a NetconfConfigError, and the process lives on', async () => {
    const d = await device();
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    const locked = join(dir, 'locked');
    writeFileSync(locked, `${d.knownHostsLine()}\n`);
    chmodSync(locked, 0o000);
    for (const file of [join(dir, 'missing'), dir, ...(process.getuid?.() === 0 ? [] : [locked])]) {
      const run = await probe({
        host: d.options.host,
        port: d.port,
        username: 'netconf',
        password: 'nc-secret',
        hostKey: { knownHostsFile: file },
      });
      expect(run.stderr).not.toContain('Unhandled');
      expect(run.exitCode).toBe(0);
      expect(run.result).toMatchObject({ connected: false, name: 'NetconfConfigError', code: 'NETCONF_CONFIG', alive: true });
    }
    await noConnectionsLeft(d);
  });

  it('refuses /dev/zero as the known_hosts file or the private key file within a second', async () => {
    const d = await device();
    for (const options of [
      { password: 'nc-secret', hostKey: { knownHostsFile: '/dev/zero' } },
      { privateKeyFile: '/dev/zero', hostKey: { fingerprints: [d.fingerprint] } },
    ]) {
      const run = await probe({ host: d.options.host, port: d.port, username: 'netconf', ...options });
      expect(run.exitCode).toBe(0);
      expect(run.result).toMatchObject({ connected: false, name: 'NetconfConfigError', alive: true });
      expect(run.result!.ms).toBeLessThan(1_000);
      expect(String(run.result!.message)).toContain('not a regular file');
    }
  });

  it('refuses a known_hosts file over 1 MiB', async () => {
    const d = await device();
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    writeFileSync(join(dir, 'known_hosts'), `${'# padding\n'.repeat(110_000)}${d.knownHostsLine()}\n`);
    const error = await connect(d, { hostKey: { knownHostsFile: join(dir, 'known_hosts') } }).catch((e) => e);
    expect(error).toBeInstanceOf(NetconfConfigError);
    expect(error.message).toContain('larger than 1048576 bytes');
  });

  it('takes the known_hosts content itself as knownHosts', async () => {
    const d = await device();
    const c = await connect(d, { hostKey: { knownHosts: `# read by the caller\n${d.knownHostsLine()}\n` } });
    expect(c.hello.capabilities.length).toBeGreaterThan(0);
    const other = await device();
    await expect(connect(other, { hostKey: { knownHosts: `${d.knownHostsLine()}\n` } })).rejects.toBeInstanceOf(HostKeyUnknownError);
  });

  it('reports a trust-on-first-use store that throws as a NetconfConfigError and closes the connection', async () => {
    const d = await device();
    const store = {
      get: () => undefined,
      set: () => {
        throw new Error('read-only file system');
      },
    };
    const error = await connect(d, { hostKey: { trustOnFirstUse: { store } } }).catch((e) => e);
    expect(error).toBeInstanceOf(NetconfConfigError);
    await noConnectionsLeft(d);
  });

  it('leaves no SSH connection behind after a refused host key or refused credentials', async () => {
    const d = await device();
    await expect(connect(d, { hostKey: { fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] } })).rejects.toBeInstanceOf(
      HostKeyMismatchError,
    );
    await expect(connect(d, { password: 'wrong' })).rejects.toBeInstanceOf(NetconfAuthError);
    await noConnectionsLeft(d);
  });
});

describe('keyboard-interactive gets the password only when asked for a password', () => {
  it('picks out a lone hidden password prompt', () => {
    expect(isPasswordPrompt([{ prompt: 'Password: ', echo: false }])).toBe(true);
    expect(isPasswordPrompt([{ prompt: "admin@leaf1's password:", echo: false }])).toBe(true);
    expect(isPasswordPrompt([{ prompt: 'OTP:', echo: false }])).toBe(false);
    expect(isPasswordPrompt([{ prompt: 'Password:', echo: true }])).toBe(false);
    expect(
      isPasswordPrompt([
        { prompt: 'Password:', echo: false },
        { prompt: 'OTP:', echo: false },
      ]),
    ).toBe(false);
    expect(isPasswordPrompt([])).toBe(false);
  });

  it('logs in through a Password: prompt', async () => {
    const d = await device({ keyboardInteractive: { rounds: [['Password:']] } });
    const c = await connect(d);
    expect(c.hello.capabilities.length).toBeGreaterThan(0);
    expect(d.keyboardAnswers).toEqual([['nc-secret']]);
  });

  it('never sends the password to an OTP: prompt, and fails with NetconfAuthError', async () => {
    const d = await device({ keyboardInteractive: { rounds: [['OTP:']] } });
    await expect(connect(d)).rejects.toBeInstanceOf(NetconfAuthError);
    expect(d.keyboardAnswers.flat()).not.toContain('nc-secret');
    await noConnectionsLeft(d);
  });

  it('answers a password prompt once per connection, a prompt it can see (echo on) or several at once never', async () => {
    const twice = await device({ keyboardInteractive: { rounds: [['Password:'], ['Password:']] } });
    await expect(connect(twice)).rejects.toBeInstanceOf(NetconfAuthError);
    expect(twice.keyboardAnswers).toEqual([['nc-secret'], []]);
    const echoed = await device({ keyboardInteractive: { rounds: [['Password:']], echo: true } });
    await expect(connect(echoed)).rejects.toBeInstanceOf(NetconfAuthError);
    expect(echoed.keyboardAnswers.flat()).not.toContain('nc-secret');
    const several = await device({ keyboardInteractive: { rounds: [['Password:', 'OTP:']] } });
    await expect(connect(several)).rejects.toBeInstanceOf(NetconfAuthError);
    expect(several.keyboardAnswers.flat()).not.toContain('nc-secret');
  });
});

describe('errors never carry a password, passphrase or private key', () => {
  const passphrase = 'correct horse battery staple';
  // ssh2's generator now and then writes a key its own parser rejects: take one that parses.
  const encrypted = Array.from(
    { length: 20 },
    () => utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4 }).private,
  ).find((key) => !(utils.parseKey(key, passphrase) instanceof Error))!;
  const shadow =
    'root:$6$Vq8mZ1lq$x3cZJ0sVh6pQ3h9yWc0lMZl2bq8Gm1kYw0rT7uQ5nE2aR4sD6fG8hJ0kL2zX4cV6bN8mQ1wE3rT5yU7iO9pA:19000:0:99999:7:::\n';

  function expectClean(error: unknown, secrets: string[]): void {
    const texts = [String(error), (error as Error).message, JSON.stringify(error)];
    for (let e = (error as Error).cause; e instanceof Error; e = e.cause) texts.push(String(e), e.message);
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it('refuses an encrypted key with a wrong or missing passphrase as a NetconfConfigError that names neither', async () => {
    const d = await device();
    const keyLines = encrypted.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const options of [{ passphrase: 'not the passphrase' }, {}]) {
      const error = await connect(d, { password: undefined, privateKey: encrypted, ...options }).catch((e) => e);
      expect(error).toBeInstanceOf(NetconfConfigError);
      expect(error.message).toContain('passphrase is missing or wrong');
      expectClean(error, [passphrase, 'not the passphrase', ...keyLines]);
    }
  });

  it('refuses a file that is no private key (a shadow file given by mistake) without quoting it', async () => {
    const d = await device();
    const dir = mkdtempSync(join(tmpdir(), 'st-key-'));
    writeFileSync(join(dir, 'shadow'), shadow);
    const error = await connect(d, { password: undefined, privateKeyFile: join(dir, 'shadow') }).catch((e) => e);
    expect(error).toBeInstanceOf(NetconfConfigError);
    expectClean(error, [shadow.trim(), '$6$Vq8mZ1lq', 'root:']);
    const inline = await connect(d, { password: undefined, privateKey: shadow }).catch((e) => e);
    expect(inline).toBeInstanceOf(NetconfConfigError);
    expectClean(inline, [shadow.trim(), '$6$Vq8mZ1lq']);
  });

  it('keeps the password out of a refused login', async () => {
    const d = await device();
    const error = await connect(d, { password: 'wrong-password-1234' }).catch((e) => e);
    expect(error).toBeInstanceOf(NetconfAuthError);
    expectClean(error, ['wrong-password-1234']);
  });
});

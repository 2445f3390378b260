import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GnmiTarget, NetconfDevice } from '@switch-telemetry/sim';
import { switchctl } from './cli';

const targets: GnmiTarget[] = [];

let sim: GnmiTarget;
beforeAll(async () => {
  sim = new GnmiTarget({ name: 'cli', host: '127.10.7.1', port: 0, username: 'admin', password: 'pw-123', interfaces: 2, tickMs: 50 });
  await sim.start();
  targets.push(sim);
});
afterAll(async () => {
  for (const t of targets) await t.stop();
});

const auth = () => ['--address', sim.address, '--username', 'admin', '--password', 'pw-123', '--insecure'];

describe('switchctl gnmi', () => {
  it('prints capabilities as one JSON line', async () => {
    const run = await switchctl(['gnmi', 'capabilities', ...auth()]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ gNMI_version: '0.10.0' });
  });

  it('prints one telemetry message per notification for get', async () => {
    const run = await switchctl([
      'gnmi',
      'get',
      ...auth(),
      '--path',
      '/interfaces/interface[name=*]/state/oper-status',
      '--encoding',
      'proto',
      '--device',
      'leaf-01',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      v: 1,
      device: 'leaf-01',
      source: 'gnmi',
      prefix: '/interfaces/interface[name=Ethernet1]',
      updates: [{ path: 'state/oper-status' }],
    });
  });

  it('subscribes and stops after --count messages', async () => {
    const run = await switchctl([
      'gnmi',
      'subscribe',
      ...auth(),
      '--path',
      '/interfaces/interface[name=Ethernet1]/state/counters',
      '--interval',
      '100ms',
      '--count',
      '3',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('exits 77 with one line on a refused login', async () => {
    const run = await switchctl([
      'gnmi',
      'capabilities',
      '--address',
      sim.address,
      '--username',
      'admin',
      '--password',
      'wrong',
      '--insecure',
    ]);
    expect(run.code).toBe(77);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('UNAUTHENTICATED');
    expect(run.stdout).toBe('');
  });

  it('exits 69 when nothing answers, and 64 on usage errors', async () => {
    const refused = await switchctl(['gnmi', 'capabilities', '--address', '127.10.7.2:1', '--insecure', '--timeout', '500ms']);
    expect(refused.code).toBe(69);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const usage = await switchctl(['gnmi', 'get', '--address', sim.address, '--insecure', '--path', '/a[k=v']);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('position');
    expect((await switchctl(['gnmi', 'frobnicate'])).code).toBe(64);
    expect((await switchctl(['nope'])).code).toBe(64);
  });
});

describe('switchctl netconf', () => {
  let nc: NetconfDevice;
  beforeAll(async () => {
    nc = new NetconfDevice({ name: 'cli-nc', host: '127.10.7.9', port: 0, username: 'netconf', password: 'nc-pw', notificationMs: 50 });
    await nc.start();
  });
  afterAll(() => nc.stop());
  const base = () => ['--address', `${nc.options.host}:${nc.port}`, '--username', 'netconf', '--password', 'nc-pw'];

  it('prints the hello, a get and a get-config as JSON lines', async () => {
    const hello = await switchctl(['netconf', 'hello', ...base(), '--host-key', nc.fingerprint]);
    expect(hello.code).toBe(0);
    expect(JSON.parse(hello.stdout)).toMatchObject({ framing: 'chunked' });
    const get = await switchctl([
      'netconf',
      'get',
      ...base(),
      '--host-key',
      nc.fingerprint,
      '--filter',
      '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>',
      '--device',
      'spine-01',
    ]);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ v: 1, device: 'spine-01', source: 'netconf', prefix: '/interfaces-state' });
    const config = await switchctl(['netconf', 'get-config', ...base(), '--host-key', nc.fingerprint]);
    expect(JSON.parse(config.stdout).prefix).toBe('/interfaces');
  });

  it('subscribes and stops after --count notifications', async () => {
    const run = await switchctl(['netconf', 'subscribe', ...base(), '--host-key', nc.fingerprint, '--count', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a wrong host key with exit 77, records a new one with --accept-new, and demands a host-key choice', async () => {
    const wrong = await switchctl(['netconf', 'hello', ...base(), '--host-key', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']);
    expect(wrong.code).toBe(77);
    expect(wrong.stderr).toContain('refused');
    const store = join(mkdtempSync(join(tmpdir(), 'st-cli-')), 'keys.json');
    const first = await switchctl(['netconf', 'hello', ...base(), '--accept-new'], { SWITCHCTL_KNOWN_KEYS: store });
    expect(first.code).toBe(0);
    expect((await switchctl(['netconf', 'hello', ...base()])).code).toBe(64);
  });

  it('refuses a --filter that is not well-formed XML with 64 before connecting', async () => {
    // Nothing listens on this address: a connection attempt would be a 69, not a 64.
    const args = ['netconf', 'get', '--address', '127.10.7.10:1', '--username', 'u', '--password', 'p', '--host-key', nc.fingerprint];
    for (const filter of [
      '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces">',
      '<a></b>',
      '<a b="1" b="2"/>',
      '&undeclared;',
    ]) {
      const run = await switchctl([...args, '--filter', filter]);
      expect({ filter, code: run.code }).toEqual({ filter, code: 64 });
      expect(run.stderr).toContain('--filter is not well-formed XML');
    }
    // Several elements are a valid subtree filter.
    const fragment = await switchctl([...args, '--timeout', '1s', '--filter', '<a xmlns="urn:x"/><b xmlns="urn:x"/>']);
    expect(fragment.code).toBe(69);
  });

  it('exits 77 on refused credentials and 69 when nothing answers', async () => {
    const auth = await switchctl([
      'netconf',
      'hello',
      '--address',
      `${nc.options.host}:${nc.port}`,
      '--username',
      'netconf',
      '--password',
      'wrong',
      '--host-key',
      nc.fingerprint,
    ]);
    expect(auth.code).toBe(77);
    const refused = await switchctl([
      'netconf',
      'hello',
      '--address',
      '127.10.7.10:1',
      '--username',
      'u',
      '--password',
      'p',
      '--host-key',
      nc.fingerprint,
      '--timeout',
      '1s',
    ]);
    expect(refused.code).toBe(69);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});

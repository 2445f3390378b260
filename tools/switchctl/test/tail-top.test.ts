import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTopology, kvPut, provisionTopology, publishJson, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { BIN, ROOT, lines, startSwitchctl, switchctl } from './cli';

const log = createLogger({ app: 'switchctl-test', level: 'silent' });

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function consumersOf(bus: Bus, stream: string): Promise<string[]> {
  const names: string[] = [];
  for await (const c of bus.jsm.consumers.list(stream)) names.push(c.name);
  return names;
}

let tsCounter = 0;
/** A telemetry message v1 on the topology's subject. */
function telemetry(
  bus: Bus,
  topology: Topology,
  device: string,
  subscription: string,
  prefix: string,
  updates: Array<{ path: string; value: unknown }>,
) {
  tsCounter += 1;
  // Nanoseconds since the epoch are beyond 2^53: a decimal string, as collectors write them.
  const ts = String(1_790_000_000_000_000_000n + BigInt(tsCounter) * 1_000_000n);
  return publishJson(bus, topology.subjects.telemetry(device, subscription), {
    v: 1,
    device,
    source: 'gnmi',
    subscription,
    ts,
    prefix,
    updates,
    deletes: [],
  });
}

beforeAll(() => {
  // Builds the bundle once (bin/switchctl.js rebuilds it when the sources are newer), not in every spawn at once.
  execFileSync(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: 'ignore' });
}, 60_000);

describe('switchctl tail', () => {
  let bus: Bus;
  let topology: Topology;
  let ns: string;
  let stream: string;

  beforeAll(async () => {
    ns = uniqueNamespace('tail');
    topology = createTopology({ namespace: ns });
    stream = topology.streams.telemetry.name;
    bus = await withTestBus('switchctl-tail-test');
    await provisionTopology(bus.jsm, topology, log);
    // Something that is not telemetry first: it is skipped (and said so), the rest goes on.
    await bus.publish(topology.subjects.telemetry('leaf-01', 'ifaces'), new TextEncoder().encode('not json at all'));
    await telemetry(bus, topology, 'leaf-01', 'ifaces', '/interfaces/interface[name=Ethernet1/1]', [
      { path: 'state/oper-status', value: 'UP' },
      { path: 'state/counters/in-octets', value: 1234 },
    ]);
    await telemetry(bus, topology, 'leaf-01', 'system', '', [{ path: '/system/state/hostname', value: 'leaf-01' }]);
    await telemetry(bus, topology, 'leaf-02', 'ifaces', '/interfaces/interface[name=Ethernet2]', [
      { path: 'state/oper-status', value: 'DOWN' },
    ]);
  });
  afterAll(async () => {
    await deleteNamespace(bus, topology);
    await bus.close();
  });
  afterEach(async () => {
    // Nothing is left behind on the server, whatever the way tail stopped.
    expect(await consumersOf(bus, stream)).toEqual([]);
  });

  it('replays with --since only the device and subscription asked for, skipping what is not telemetry', async () => {
    const r = await switchctl([
      'tail',
      '--namespace',
      ns,
      '--since',
      '5m',
      '--device',
      'leaf-01',
      '--subscription',
      'ifaces',
      '--count',
      '2',
    ]);
    expect(r.code).toBe(0);
    const updates = lines(r);
    expect(updates).toEqual([
      expect.objectContaining({
        device: 'leaf-01',
        subscription: 'ifaces',
        path: '/interfaces/interface[name=Ethernet1/1]/state/oper-status',
        value: 'UP',
      }),
      expect.objectContaining({
        device: 'leaf-01',
        subscription: 'ifaces',
        path: '/interfaces/interface[name=Ethernet1/1]/state/counters/in-octets',
        value: 1234,
      }),
    ]);
    expect(updates[0]!.time).toMatch(/^2026-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.stderr).toContain('skipped a message on');
    expect(r.stderr).toContain('not JSON');
  });

  it('prints one readable line per update with --output text', async () => {
    const r = await switchctl(['tail', '--namespace', ns, '--since', '5m', '--count', '4', '--output', 'text']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    console.log(`switchctl tail --since 5m --count 4 --output text:\n${r.stdout}`);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^\S+Z {2}leaf-0[12] {2}(ifaces|system) {2}\/\S+ {2}\S+$/);
    expect(lines[3]).toContain('leaf-02  ifaces  /interfaces/interface[name=Ethernet2]/state/oper-status  "DOWN"');
  });

  it('keeps only the updates whose full path matches --path (* in a segment, ** across)', async () => {
    const oper = await switchctl([
      'tail',
      '--namespace',
      ns,
      '--since',
      '5m',
      '--path',
      '/interfaces/interface[name=*]/state/oper-status',
      '--count',
      '2',
    ]);
    expect(oper.code).toBe(0);
    expect(lines(oper).map((l) => [l.device, l.value])).toEqual([
      ['leaf-01', 'UP'],
      ['leaf-02', 'DOWN'],
    ]);
    const deep = await switchctl(['tail', '--namespace', ns, '--since', '5m', '--path', '**/hostname', '--count', '1']);
    expect(lines(deep)).toEqual([expect.objectContaining({ path: '/system/state/hostname', value: 'leaf-01' })]);
  });

  it('shows with --new (the default) only what arrives after it started', async () => {
    const tail = startSwitchctl(['tail', '--namespace', ns, '--device', 'leaf-02', '--count', '1']);
    await waitFor(async () => (await consumersOf(bus, stream)).length === 1, 5_000, 'the tail consumer');
    await telemetry(bus, topology, 'leaf-01', 'ifaces', '/interfaces/interface[name=Ethernet1/1]', [
      { path: 'state/oper-status', value: 'NOT-ME' },
    ]);
    await telemetry(bus, topology, 'leaf-02', 'ifaces', '/interfaces/interface[name=Ethernet2]', [
      { path: 'state/oper-status', value: 'UP-AGAIN' },
    ]);
    const r = await tail.done;
    expect(r.code).toBe(0);
    expect(lines(r)).toEqual([expect.objectContaining({ device: 'leaf-02', value: 'UP-AGAIN' })]);
  });

  it('stops on SIGINT and SIGTERM with 0, deleting its consumer', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const tail = startSwitchctl(['tail', '--namespace', ns]);
      await waitFor(async () => (await consumersOf(bus, stream)).length === 1, 5_000, 'the tail consumer');
      tail.child.kill(signal);
      const r = await tail.done;
      expect({ signal, code: r.code, stderr: r.stderr }).toEqual({ signal, code: 0, stderr: '' });
      expect(await consumersOf(bus, stream)).toEqual([]);
    }
  });

  it('refuses a device or subscription that is not a subject token with 64, before connecting', async () => {
    for (const args of [
      ['--device', 'leaf-01.>'],
      ['--device', '*'],
      ['--subscription', 'a b'],
      ['--since', '5m', '--new'],
      ['--since', 'yesterday'],
    ]) {
      const r = await switchctl(['tail', '--nats', 'nats://127.0.0.1:1', ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 64 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('exits 69 at once with one line when NATS refuses, and 1 when the stream is not there', async () => {
    const refused = await switchctl(['tail', '--nats', 'nats://127.0.0.1:1']);
    expect(refused.code).toBe(69);
    expect(refused.ms).toBeLessThan(2_000);
    expect(refused.stderr).toBe('switchctl: NATS at nats://127.0.0.1:1: connection refused\n');
    const missing = await switchctl(['tail', '--namespace', `${ns}_none`, '--nats', natsTestUrl()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no stream ${ns}_none_TELEMETRY`);
  });
});

describe('switchctl top', () => {
  const TOKEN = 'switchctl-top-test-token-0123456789';
  let bus: Bus;
  let topology: Topology;
  let ns: string;
  let db: TestDatabase;
  let ingress: SpawnedApp;
  let api: string;
  let metrics: string;
  let publishing: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    ns = uniqueNamespace('top');
    topology = createTopology({ namespace: ns });
    bus = await withTestBus('switchctl-top-test');
    await provisionTopology(bus.jsm, topology, log);
    db = await createTestDatabase();
    ingress = spawnApp(resolve(ROOT, 'apps', 'ingress', 'src', 'main.ts'), {
      NATS_URL: natsTestUrl(),
      NATS_NAMESPACE: ns,
      DATABASE_URL: db.url,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      OPS_PORT: '0',
      LOG_LEVEL: 'info',
      INGRESS_API_TOKENS: JSON.stringify([{ name: 'switchctl-test', token: TOKEN, scope: 'read' }]),
    });
    const logged = (msg: string) =>
      ingress
        .output()
        .split('\n')
        .filter((l) => l.includes(`"${msg}"`))
        .map((l) => (JSON.parse(l) as { port?: number }).port)[0];
    await ingress.until(
      async () => logged('ready to serve') !== undefined && logged('ops server listening') !== undefined,
      25_000,
      'the ingress',
    );
    api = `http://127.0.0.1:${logged('ready to serve')}`;
    metrics = `http://127.0.0.1:${logged('ops server listening')}/metrics`;

    // Session statuses as collectors write them, in the real sessions bucket.
    const status = (device: string, state: string, sinceS: number, error?: { code: string; message: string }) =>
      kvPut(
        bus,
        topology.buckets.sessions.name,
        device,
        JSON.stringify({
          device,
          state,
          since: new Date(Date.now() - sinceS * 1_000).toISOString(),
          last_update: null,
          restarts: 0,
          last_error: error ?? null,
          owner: 'collector-0',
        }),
      );
    await status('leaf-01', 'synced', 600);
    await status('leaf-02', 'synced', 600);
    await status('leaf-03', 'backoff', 120, { code: 'CONNECT', message: 'connection refused by 10.0.0.3:57400' });
    await status('leaf-04', 'auth_failed', 300, { code: 'AUTH', message: 'the device refused the credentials' });
    await status('leaf-05', 'stale', 45);
    for (const kind of ['session_down', 'session_down', 'telemetry_dropped'] as const) {
      await publishJson(bus, topology.subjects.alert(kind), { kind, device: 'leaf-03' });
    }
    await publishJson(bus, topology.subjects.deviceEvent('upserted'), { id: 'leaf-06' });
    // Traffic while the tests run: leaf-01 about 40 messages/s, leaf-02 about 10.
    let tick = 0;
    publishing = setInterval(() => {
      tick += 1;
      const sent = [
        telemetry(bus, topology, 'leaf-01', 'ifaces', '/interfaces', [
          { path: 'interface[name=Ethernet1]/state/counters/in-octets', value: tick },
        ]),
      ];
      if (tick % 4 === 0)
        sent.push(
          telemetry(bus, topology, 'leaf-02', 'ifaces', '/interfaces', [
            { path: 'interface[name=Ethernet1]/state/counters/in-octets', value: tick },
          ]),
        );
      // The last ones may meet the namespace being deleted after the tests.
      for (const p of sent) p.catch(() => undefined);
    }, 25);
  }, 40_000);
  afterAll(async () => {
    clearInterval(publishing);
    ingress?.child.kill('SIGKILL');
    await deleteNamespace(bus, topology);
    await bus.close();
    await db?.drop();
  });

  const env = () => ({ SWITCHCTL_TOKEN: TOKEN });

  it('prints one frame with --once: sessions, messages/s, alerts of the hour and breakers', async () => {
    const r = await switchctl(
      [
        'top',
        '--once',
        '--interval',
        '1s',
        '--namespace',
        ns,
        '--api',
        api,
        '--metrics',
        metrics,
        '--metrics',
        'http://127.0.0.1:2/metrics',
      ],
      env(),
    );
    console.log(`switchctl top --once (piped):\n${r.stdout}`);
    // One breaker source is down: the frame says so and the status is 1; everything else is there.
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toContain('SESSIONS  5 total: connecting 0  up 0  synced 2  stale 1  backoff 1  auth_failed 1  stopped 0');
    // The worst first: refused credentials, then backoff, then stale; synced ones are not listed.
    expect(out).toMatch(
      /leaf-04\s+auth_failed\s+5m\s+AUTH: the device refused the credentials\n\s+leaf-03\s+backoff\s+2m\s+CONNECT: connection refused by 10.0.0.3:57400\n\s+leaf-05\s+stale\s+4\ds\n/,
    );
    expect(out).not.toMatch(/leaf-01\s+synced/);
    const rates = Object.fromEntries([...out.matchAll(/^\s+(leaf-0[12])\s+([\d.]+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(rates['leaf-01']).toBeGreaterThan(15);
    expect(rates['leaf-02']).toBeGreaterThan(2);
    expect(rates['leaf-01']).toBeGreaterThan(rates['leaf-02']!);
    expect(out).toContain('ALERTS (last hour)  3: session_down 2  telemetry_dropped 1');
    expect(out).toMatch(new RegExp(`${metrics.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+ingress\\s+\\d+\\s+0\\s+0`));
    expect(out).toMatch(/http:\/\/127.0.0.1:2\/metrics\s+unavailable: connection refused/);
    expect(await consumersOf(bus, topology.streams.events.name)).toEqual([]);
  });

  it('shows each section that has its data when another source is down', async () => {
    const noNats = await switchctl(['top', '--once', '--interval', '200ms', '--api', api, '--nats', 'nats://127.0.0.1:1'], env());
    expect(noNats.code).toBe(1);
    expect(noNats.stdout).toContain('SESSIONS  5 total');
    expect(noNats.stdout).toContain('MESSAGES/S  unavailable: NATS at nats://127.0.0.1:1: connection refused');
    expect(noNats.stdout).toContain('ALERTS (last hour)  unavailable: NATS at nats://127.0.0.1:1: connection refused');
    expect(noNats.stdout).not.toContain('BREAKERS');
    const noApi = await switchctl(['top', '--once', '--interval', '200ms', '--namespace', ns, '--api', 'http://127.0.0.1:2'], env());
    expect(noApi.code).toBe(1);
    expect(noApi.stdout).toContain('SESSIONS  unavailable: http://127.0.0.1:2: connection refused');
    expect(noApi.stdout).toMatch(/MESSAGES\/S {2}[\d.]+ total/);
    expect(noApi.stdout).toContain('ALERTS (last hour)  3:');
    const wrongToken = await switchctl(['top', '--once', '--interval', '200ms', '--namespace', ns, '--api', api], {
      SWITCHCTL_TOKEN: 'not-the-token-0123456789abcdef',
    });
    expect(wrongToken.stdout).toMatch(/SESSIONS {2}unavailable: GET \/v1\/sessions\?limit=10000: 401/);
    expect(wrongToken.stdout).not.toContain('not-the-token');
    expect((await switchctl(['top', '--interval', 'soon'])).code).toBe(64);
    expect((await switchctl(['top', '--metrics', 'ftp://x/metrics'])).code).toBe(64);
  });

  const hasTmux = spawnSync('tmux', ['-V']).status === 0;
  (hasTmux ? it : it.skip)('refreshes in place on a terminal (driven in tmux) and quits on q', async () => {
    const socket = `switchctl-test-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 5_000 });
    const command = `node ${BIN} top --interval 500ms --namespace ${ns} --api ${api} --metrics ${metrics}`;
    const started = tmux('new-session', '-d', '-s', 'top', '-x', '160', '-y', '40', '-c', ROOT, '-e', `SWITCHCTL_TOKEN=${TOKEN}`, command);
    expect(started.status).toBe(0);
    try {
      const screen = () => tmux('capture-pane', '-p', '-t', 'top').stdout;
      await waitFor(() => /MESSAGES\/S {2}[\d.]+ total/.test(screen()), 10_000, 'a frame with messages/s');
      const first = screen();
      const stamp = (s: string) => /switchctl top {2}(\S+ \S+) UTC/.exec(s)?.[1];
      await waitFor(() => stamp(screen()) !== stamp(first), 5_000, 'a later frame');
      const later = screen();
      console.log(`switchctl top in a 160x40 terminal (tmux capture-pane):\n${later}`);
      // In place: one frame on the screen, not frames scrolling by.
      expect(later.match(/switchctl top {2}/g)).toHaveLength(1);
      expect(later).toContain('SESSIONS  5 total');
      expect(later).toMatch(/leaf-04\s+auth_failed/);
      expect(later).toContain('ALERTS (last hour)  3: session_down 2  telemetry_dropped 1');
      expect(later).toMatch(/BREAKERS[\s\S]+ingress/);
      expect(later).not.toContain('\u001b');
      tmux('send-keys', '-t', 'top', 'q');
      await waitFor(() => tmux('has-session', '-t', 'top').status !== 0, 5_000, 'top to quit on q');
      await waitFor(async () => (await consumersOf(bus, topology.streams.events.name)).length === 0, 3_000, 'the alert consumer deleted');
    } finally {
      tmux('kill-server');
      // tmux leaves its socket file behind.
      rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
    }
  });
});

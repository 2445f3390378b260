import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { uniqueNamespace } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { natsTestUrl } from '@switch-telemetry/bus/testing';
import { WebhookReceiver } from '@switch-telemetry/notifications/testing';
import { GnmiTarget } from '@switch-telemetry/sim';
import { netboxDevice, startNetboxStandIn, type NetboxStandIn } from '@switch-telemetry/netbox/testing';
import { lines, switchctl } from './cli';

// switchctl's API commands against the real ingress (its own process, a
// database and a NATS namespace of its own).

const ADMIN = 'admin-token-0123456789abcdefghij';
const READER = 'read-token-0123456789abcdefghijk';
const NAMESPACE = uniqueNamespace('ctl');
let db: TestDatabase;
let ingress: SpawnedApp;
let api: string;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  ingress = spawnApp(resolve(__dirname, '..', '..', '..', 'apps', 'ingress', 'src', 'main.ts'), {
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: NAMESPACE,
    DATABASE_URL: db.url,
    NOTIFIER_ALLOWED_HOSTS: '127.20.4.0/24',
    DISCOVERY_ALLOWED_SUBNETS: '127.33.0.0/16',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    OPS_PORT: '0',
    LOG_LEVEL: 'info',
    INGRESS_API_TOKENS: JSON.stringify([
      { name: 'ops', token: ADMIN, scope: 'admin' },
      { name: 'viewer', token: READER, scope: 'read' },
    ]),
  });
  api = `http://127.0.0.1:${await ingress.loggedPort('ready to serve')}`;
  dir = mkdtempSync(join(tmpdir(), 'switchctl-'));
}, 40_000);
afterAll(async () => {
  ingress?.child.kill('SIGTERM');
  await ingress?.exited;
  await db?.drop();
});

/** Another app of the stack, on the ingress's NATS namespace and database, once it is ready; `stop` sends SIGTERM and waits. */
async function startBeside(app: string, env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const spawned: SpawnedApp = spawnApp(resolve(__dirname, '..', '..', '..', 'apps', app, 'src', 'main.ts'), {
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: NAMESPACE,
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  await spawned.loggedPort('ready to serve');
  return {
    stop: async () => {
      spawned.child.kill('SIGTERM');
      await spawned.exited;
    },
  };
}
const as = (token: string) => ({ SWITCHCTL_API: api, SWITCHCTL_TOKEN: token });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('devices', () => {
  it('adds, lists, gets, edits and removes a device; JSON lines when piped, a table when asked', async () => {
    const add = await switchctl(
      [
        'devices',
        'add',
        '--id',
        'leaf-cli-1',
        '--protocol',
        'gnmi',
        '--address',
        '127.10.9.1',
        '--port',
        '57400',
        '--path',
        '/interfaces',
        '--interval',
        '10s',
        '--plaintext',
        '--tag',
        'site=lab',
      ],
      as(ADMIN),
    );
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(lines(add)[0]).toMatchObject({
      id: 'leaf-cli-1',
      tags: { site: 'lab' },
      subscriptions: [{ name: 'default', paths: ['/interfaces'], mode: 'sample', interval_ms: 10_000 }],
    });

    const list = await switchctl(['devices', 'list'], as(READER));
    expect(lines(list).map((d) => d.id)).toEqual(['leaf-cli-1']);
    const table = await switchctl(['devices', 'list', '--output', 'table'], as(READER));
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+PROTOCOL\s+ADDRESS\s+ENABLED\s+SOURCE\s+PROFILES\s+SUBSCRIPTIONS\s+TAGS$/);
    expect(table.stdout).toContain('leaf-cli-1  gnmi      127.10.9.1:57400');

    const edit = await switchctl(['devices', 'edit', 'leaf-cli-1', '--name', 'Leaf one', '--disable'], as(ADMIN));
    expect(lines(edit)[0]).toMatchObject({ name: 'Leaf one', enabled: false, address: '127.10.9.1' });
    expect(lines(await switchctl(['devices', 'get', 'leaf-cli-1'], as(READER)))[0]).toMatchObject({ name: 'Leaf one' });

    expect((await switchctl(['devices', 'rm', 'leaf-cli-1'], as(ADMIN))).code).toBe(0);
    const gone = await switchctl(['devices', 'get', 'leaf-cli-1'], as(READER));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^switchctl: GET \/v1\/devices\/leaf-cli-1: 404 /);
  });

  it('imports YAML idempotently, reporting each bad row with its reason and going on with the rest', async () => {
    const path = file(
      'fleet.yaml',
      `devices:
  - { id: imp-1, name: Import one, protocol: gnmi, address: 127.10.9.11, port: 57400, tls: { plaintext: true } }
  - { id: imp-2, name: Import two, protocol: netconf, address: 127.10.9.12, port: 830, credentials: lab }
  - { id: Bad.Id, name: bad, protocol: snmp, address: 127.10.9.13, port: 99999 }
  - { id: imp-4, name: Same place, protocol: gnmi, address: 127.10.9.11, port: 57400 }
`,
    );
    const first = await switchctl(['devices', 'import', path], as(ADMIN));
    expect(first.code).toBe(1);
    const rows = lines(first);
    expect(rows.slice(0, 4).map((r) => [r.row, r.id, r.outcome])).toEqual([
      [1, 'imp-1', 'created'],
      [2, 'imp-2', 'created'],
      [3, 'Bad.Id', 'failed'],
      [4, 'imp-4', 'failed'],
    ]);
    expect(rows[2]!.reason).toContain('id: must be 1-128 of a-z 0-9 _ -');
    expect(rows[2]!.reason).toContain('protocol');
    expect(rows[3]!.reason).toMatch(/409 .*127\.10\.9\.11:57400/);
    expect(rows[4]).toEqual({ summary: { created: 2, updated: 0, unchanged: 0, failed: 2 }, dry_run: false });

    const again = await switchctl(['devices', 'import', path], as(ADMIN));
    expect(lines(again).at(-1)).toEqual({ summary: { created: 0, updated: 0, unchanged: 2, failed: 2 }, dry_run: false });

    const changed = file(
      'changed.yaml',
      `- { id: imp-1, name: Renamed, protocol: gnmi, address: 127.10.9.11, port: 57400, tls: { plaintext: true } }\n`,
    );
    const human = await switchctl(['devices', 'import', changed, '--output', 'table'], as(ADMIN));
    expect(human).toMatchObject({ code: 0 });
    expect(human.stdout).toContain('0 created, 1 updated, 0 unchanged, 0 failed (1 rows)');
    expect(lines(await switchctl(['devices', 'get', 'imp-1'], as(READER)))[0]).toMatchObject({ name: 'Renamed' });
  });

  it('imports CSV, with a quoted field, tags and paths, and says which row is bad and why', async () => {
    const path = file(
      'fleet.csv',
      [
        'id,name,protocol,address,port,tags,paths,plaintext',
        'csv-1,"Spine, rack 4",gnmi,127.10.9.21,57400,site=lab;role=spine,/interfaces|/system,true',
        'csv-2,Leaf,gnmi,127.10.9.22,not-a-port,,,',
        'csv-3,Leaf,gnmi,127.10.9.23,57400,site,,',
      ].join('\n'),
    );
    const run = await switchctl(['devices', 'import', path], as(ADMIN));
    const rows = lines(run);
    expect(rows.slice(0, 3).map((r) => [r.row, r.id, r.outcome])).toEqual([
      [2, 'csv-1', 'created'],
      [3, 'csv-2', 'failed'],
      [4, 'csv-3', 'failed'],
    ]);
    expect(rows[1]!.reason).toContain('port');
    expect(rows[2]!.reason).toContain('tags: "site" is not key=value');
    const device = lines(await switchctl(['devices', 'get', 'csv-1'], as(READER)))[0];
    expect(device).toMatchObject({
      name: 'Spine, rack 4',
      tags: { site: 'lab', role: 'spine' },
      subscriptions: [{ name: 'default', paths: ['/interfaces', '/system'], mode: 'sample' }],
    });
  });

  it('refuses a write with a read token (exit 77), and names a file it cannot read (exit 64)', async () => {
    const denied = await switchctl(['devices', 'rm', 'csv-1'], as(READER));
    expect(denied.code).toBe(77);
    expect(denied.stderr).toContain('403');
    const missing = await switchctl(['devices', 'import', join(dir, 'nope.yaml')], as(ADMIN));
    expect(missing).toMatchObject({ code: 64 });
    expect(missing.stderr).toContain('cannot read');
  });
});

describe('subscription profiles and NetBox', () => {
  let discovery: { stop(): Promise<void> } | undefined;
  let netbox: NetboxStandIn;
  beforeAll(async () => {
    netbox = await startNetboxStandIn({
      token: 'nb-token-0123456789abcdef',
      host: '127.77.2.1',
      devices: [netboxDevice(1, { tags: ['telemetry'] }), netboxDevice(2, { ip4: null, tags: ['telemetry'] })],
    });
    discovery = await startBeside('discovery', {
      NETBOX_SOURCES: JSON.stringify([
        {
          name: 'dc1',
          url: netbox.url,
          insecure_http: true,
          allowed_subnets: ['10.0.0.0/8'],
          select: { tags: ['telemetry'] },
          platforms: { eos: { protocol: 'gnmi' } },
        },
      ]),
      NETBOX_TOKENS: JSON.stringify({ dc1: 'nb-token-0123456789abcdef' }),
    });
  }, 40_000);
  afterAll(async () => {
    await discovery?.stop();
    await netbox?.close();
  });

  it("puts a profile from a file, gives it to a device, and shows the device's effective subscriptions", async () => {
    const profile = file(
      'leaf.yaml',
      'description: leaf counters\nsubscriptions:\n  - {name: counters, paths: [/interfaces], mode: sample, interval_ms: 10000}\n',
    );
    expect(lines(await switchctl(['profiles', 'put', 'leaf', '-f', profile], as(ADMIN)))[0]).toMatchObject({ name: 'leaf', version: 1 });
    expect((await switchctl(['profiles', 'put', 'leaf', '-f', profile, '--if-version', '7'], as(ADMIN))).stderr).toContain('412');
    const added = await switchctl(
      [
        'devices',
        'add',
        '--id',
        'prof-1',
        '--protocol',
        'gnmi',
        '--address',
        '127.33.9.1',
        '--port',
        '57400',
        '--profile',
        'leaf',
        '--path',
        '/system',
      ],
      as(ADMIN),
    );
    expect(lines(added)[0]).toMatchObject({ id: 'prof-1', profiles: ['leaf'] });
    expect(lines(await switchctl(['devices', 'subscriptions', 'prof-1'], as(READER)))).toEqual([
      expect.objectContaining({ name: 'counters', from: 'profile:leaf' }),
      expect.objectContaining({ name: 'default', from: 'device' }),
    ]);
    expect(lines(await switchctl(['profiles', 'list'], as(READER)))).toEqual([expect.objectContaining({ name: 'leaf', devices: 1 })]);
    expect((await switchctl(['profiles', 'rm', 'leaf'], as(ADMIN))).stderr).toContain('409');
  });

  it('asks for a NetBox sync, then shows what it did and the device it could not map', async () => {
    expect(lines(await switchctl(['netbox', 'sync', 'dc1'], as(ADMIN)))[0]).toMatchObject({ id: expect.any(String) });
    const deadline = Date.now() + 20_000;
    let syncs: Array<Record<string, unknown>> = [];
    while (syncs.length === 0 && Date.now() < deadline) {
      syncs = lines(await switchctl(['netbox', 'syncs', 'dc1'], as(READER)));
      if (syncs.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(syncs[0]).toMatchObject({ outcome: 'applied', counts: expect.objectContaining({ listed: 2, created: 1, unmonitorable: 1 }) });
    expect(lines(await switchctl(['netbox', 'objects', 'dc1', '--state', 'unmonitorable'], as(READER)))).toEqual([
      expect.objectContaining({ object_id: 2, reason: expect.stringContaining('no primary IP') }),
    ]);
    expect(lines(await switchctl(['devices', 'list', '--source', 'netbox:dc1'], as(READER))).map((d) => d.id)).toEqual(['nb-dc1-1']);
  }, 30_000);
});

describe('sessions, dead jobs, discovery', () => {
  it('lists sessions and dead jobs (none yet), asks for a restart and a scan', async () => {
    expect(await switchctl(['sessions', 'list'], as(READER))).toMatchObject({ code: 0, stdout: '' });
    expect(lines(await switchctl(['sessions', 'restart', 'imp-1'], as(ADMIN)))).toEqual([{ device: 'imp-1', restart: 'requested' }]);
    expect(await switchctl(['dead-jobs', 'list'], as(READER))).toMatchObject({ code: 0, stdout: '' });
    const scan = lines(await switchctl(['discover', '127.33.200.0/24'], as(ADMIN)))[0];
    expect(scan).toMatchObject({ subnet: '127.33.200.0/24', duplicate: false });
    const bad = await switchctl(['discover', '10.99.0.0/24'], as(ADMIN));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('400');
  });
});

describe('alert webhook endpoints', () => {
  let notifier: { stop(): Promise<void> } | undefined;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    notifier = await startBeside('notifier', { NOTIFIER_ALLOWED_HOSTS: '127.20.4.0/24' });
    receiver = await WebhookReceiver.start('127.20.4.1');
  }, 40_000);
  afterAll(async () => {
    await notifier?.stop();
    await receiver?.close();
  });

  it('adds an endpoint, sends it a test and waits for the answer, lists the attempts and redelivers', async () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const url = receiver.route('/ctl', 'standard', secret);
    const added = lines(
      await switchctl(['endpoints', 'add', '--name', 'ctl', '--url', url], { ...as(ADMIN), SWITCHCTL_ENDPOINT_SECRET: secret }),
    )[0];
    expect(added).toMatchObject({ name: 'ctl', enabled: true });
    const tested = await switchctl(['endpoints', 'test', String(added!.id), '--wait', '15s'], as(ADMIN));
    expect(tested.code).toBe(0);
    const [attempt] = lines(tested);
    expect(attempt).toMatchObject({ type: 'endpoint.test', attempt: 1, outcome: 'delivered', status_code: 200 });
    expect(receiver.badSignatures).toBe(0);
    expect(JSON.parse(receiver.deliveredTo('/ctl')[0]!.body)).toMatchObject({ type: 'endpoint.test' });

    const again = await switchctl(['endpoints', 'redeliver', String(attempt!.delivery_id)], as(ADMIN));
    expect(again.code).toBe(0);
    await until(() => receiver.received.length === 2, 15_000);
    expect(receiver.received.map((r) => r.id)).toEqual([attempt!.delivery_id, attempt!.delivery_id]);
    expect(receiver.duplicates).toBe(1);
    const log = await switchctl(['endpoints', 'deliveries', String(added!.id)], as(READER));
    await until(async () => lines(await switchctl(['endpoints', 'deliveries', String(added!.id)], as(READER))).length === 2, 10_000);
    expect(log.code).toBe(0);

    // A receiver that says it is gone: the endpoint is disabled with the reason, and enabling it clears that.
    receiver.answer = 410;
    const gone = await switchctl(['endpoints', 'test', String(added!.id), '--wait', '15s'], as(ADMIN));
    expect(gone.code).toBe(1);
    expect(lines(await switchctl(['endpoints', 'list'], as(READER)))[0]).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringMatching(/^the receiver answered 410 Gone/),
    });
    expect(lines(await switchctl(['endpoints', 'enable', String(added!.id)], as(ADMIN)))[0]).toMatchObject({
      enabled: true,
      disabled_reason: null,
    });
  }, 60_000);
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('discover --wait', () => {
  let discovery: { stop(): Promise<void> } | undefined;
  let target: GnmiTarget;
  beforeAll(async () => {
    target = new GnmiTarget({ name: 'ctl-g', host: '127.33.0.7', port: 0, username: 'admin', password: 'pw-ctl', interfaces: 1 });
    await target.start();
    discovery = await startBeside('discovery', {
      DISCOVERY_ALLOWED_SUBNETS: '127.33.0.0/16',
      DISCOVERY_GNMI_PORTS: String(target.port),
      DISCOVERY_NETCONF_PORTS: '9',
      DISCOVERY_PROFILES: JSON.stringify([{ name: 'ctl', credentials: 'ctl', plaintext: true }]),
      DEVICE_CREDENTIALS_CTL: 'admin:pw-ctl',
    });
  }, 40_000);
  afterAll(async () => {
    await discovery?.stop();
    await target?.stop();
  });

  it('follows a scan to its end with JSON lines when piped, then lists what it found', async () => {
    const run = await switchctl(['discover', '127.33.0.0/24', '--wait', '30s'], as(ADMIN), 40_000);
    expect(run.code).toBe(0);
    const out = lines(run);
    const progress = out.filter((l) => 'state' in l);
    expect(progress.at(-1)).toMatchObject({ state: 'finished', probed: 254, total: 254, open: 1, identified: 1 });
    expect(out.filter((l) => 'address' in l)).toEqual([
      expect.objectContaining({ address: '127.33.0.7', port: target.port, protocol: 'gnmi', device_id: expect.stringMatching(/^disc-/) }),
    ]);
    expect(lines(await switchctl(['discover', 'list'], as(READER))).map((l) => l.subnet)).toContain('127.33.0.0/24');
  }, 60_000);
});

describe('connection settings', () => {
  it('reads the API and token from a context of the config file, flags winning over it', async () => {
    const config = file(
      'config.yaml',
      `current-context: lab\ncontexts:\n  - { name: lab, api: "${api}", token: "${READER}" }\n  - { name: elsewhere, api: "http://127.0.0.1:9" }\n`,
    );
    expect((await switchctl(['devices', 'list'], { SWITCHCTL_CONFIG: config })).code).toBe(0);
    const other = await switchctl(['devices', 'list', '--context', 'elsewhere'], { SWITCHCTL_CONFIG: config });
    expect(other.code).toBe(69);
    // The context's token never goes to a URL given beside it.
    const elsewhere = await switchctl(['devices', 'list', '--api', `${api}/`.replace('127.0.0.1', 'localhost')], {
      SWITCHCTL_CONFIG: config,
    });
    expect(elsewhere.code).toBe(77);
    expect(elsewhere.stderr).toContain('give a token');
    const withPassword = await switchctl(['devices', 'list', '--api', 'http://ops:hunter2@127.0.0.1:8080'], { SWITCHCTL_CONFIG: config });
    expect(withPassword).toMatchObject({ code: 64 });
    expect(withPassword.stderr).not.toContain('hunter2');
    const unknown = await switchctl(['devices', 'list', '--context', 'prod'], { SWITCHCTL_CONFIG: config });
    expect(unknown).toMatchObject({ code: 64 });
    expect(unknown.stderr).toContain('no context "prod"');
  });

  it('reports a refused connection at once, and a missing token with a hint', async () => {
    // A port that was just listening and is closed now: nothing answers there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server.close(r));
    const refused = await switchctl(['sessions', 'list', '--api', closed, '--timeout', '10s']);
    expect(refused).toMatchObject({ code: 69, stderr: `switchctl: ${closed}: connection refused\n` });
    expect(refused.ms).toBeLessThan(5_000);
    const anonymous = await switchctl(['devices', 'list', '--api', api]);
    expect(anonymous.code).toBe(77);
    expect(anonymous.stderr).toContain('give a token');
  });

  it('prints help for every command and refuses an unknown flag with 64', async () => {
    for (const command of ['devices', 'sessions', 'dead-jobs', 'endpoints', 'discover', 'gnmi', 'netconf']) {
      const help = await switchctl([command, '--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^usage: switchctl /);
    }
    const bad = await switchctl(['devices', 'list', '--colour']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("Unknown option '--colour'");
  });
});

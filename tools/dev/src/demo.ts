// `npm run demo`: the stack (as `npm start` runs it) plus a simulated fleet,
// registered through the REST API, and a status line every few seconds.
// Ctrl-C stops everything it started.
//   npm run demo -- [--gnmi 50] [--netconf 10] [--every 5s]
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectBus, createTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { createLogger } from '@switch-telemetry/logging';
import { startFleet, startNetconfFleet, type GnmiTarget, type NetconfDevice } from '@switch-telemetry/sim';
import { prepareStack } from './preflight';
import { servicesDataDir } from './services';
import { APPS, runApps } from './supervise';

const USAGE = 'usage: npm run demo -- [--gnmi N (default 50)] [--netconf N (default 10)] [--every 5s]';
// Well away from the ports people run things on; every device has its own loopback address, so all share them.
const GNMI_PORT = 57_400;
const NETCONF_PORT = 1_830;
const DEMO_CREDENTIALS = { username: 'demo', password: 'demo-password' };
// A few devices misbehave, so the views have something to show: refused credentials, a stream that drops, one that stalls.
const GNMI_FAULTS = { 7: 'auth', 13: 'drop', 21: 'stall' } as const;

interface Options {
  gnmi: number;
  netconf: number;
  everyMs: number;
  /** The devices take the loopback addresses from the first-th on (127.10.0.1 for 0), so two fleets can run side by side. */
  first: number;
}

function parseOptions(argv: string[]): Options | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gnmi: { type: 'string', default: '50' },
        netconf: { type: 'string', default: '10' },
        every: { type: 'string', default: '5s' },
        first: { type: 'string', default: '0' },
      },
      strict: true,
    }));
  } catch (err) {
    return `${(err as Error).message}\n${USAGE}`;
  }
  const gnmi = Number(values.gnmi);
  const netconf = Number(values.netconf);
  const first = Number(values.first);
  const every = /^(\d+)s$/.exec(values.every);
  const count = (n: number) => Number.isInteger(n) && n >= 0 && n <= 1_000;
  if (!count(gnmi) || !count(netconf) || !every || !Number.isInteger(first) || first < 0 || first > 50_000) {
    return `--gnmi and --netconf take 0..1000, --every whole seconds (5s), --first 0..50000\n${USAGE}`;
  }
  return { gnmi, netconf, everyMs: Math.max(1, Number(every[1])) * 1_000, first };
}

function gnmiDevice(t: GnmiTarget): Record<string, unknown> {
  return {
    name: t.options.name,
    protocol: 'gnmi',
    address: t.options.host,
    port: t.port,
    credentials: 'demo',
    tls: { plaintext: true },
    tags: { site: 'demo', role: 'leaf' },
    subscriptions: [
      { name: 'counters', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 5_000 },
      { name: 'status', paths: ['/interfaces/interface[name=*]/state/oper-status'], mode: 'on_change' },
    ],
  };
}

function netconfDevice(d: NetconfDevice): Record<string, unknown> {
  return {
    name: d.options.name,
    protocol: 'netconf',
    address: d.options.host,
    port: d.port,
    credentials: 'demo',
    host_key: { fingerprints: [d.fingerprint] },
    tags: { site: 'demo', role: 'spine' },
    subscriptions: [
      {
        name: 'ifstate',
        paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'],
        mode: 'get',
        interval_ms: 15_000,
      },
      { name: 'events', paths: ['<interface-statistics xmlns="urn:switch-telemetry:sim:interfaces"/>'], mode: 'notification' },
    ],
  };
}

/** Waits until the ingress answers on `api`, or gives up after `timeoutMs`. */
async function waitForApi(api: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(`${api}/v1/openapi.json`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Registers (creates or replaces) each device through the API, as an operator's tooling would. */
async function register(api: string, token: string, devices: Array<Record<string, unknown>>): Promise<void> {
  for (const device of devices) {
    const { name, ...body } = device;
    const res = await fetch(`${api}/v1/devices/${encodeURIComponent(String(name))}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, ...body }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`registering ${String(name)}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  }
}

interface Totals {
  synced: number;
  sessions: number;
  messages: number;
  alerts: number;
}

async function totals(api: string, token: string, bus: Bus, topology: Topology): Promise<Totals> {
  const res = await fetch(`${api}/v1/sessions?limit=10000`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  const { sessions } = (await res.json()) as { sessions: Array<{ status: { state: string } }> };
  const telemetry = await bus.jsm.streams.info(topology.streams.telemetry.name);
  const events = await bus.jsm.streams.info(topology.streams.events.name, {
    subjects_filter: `${topology.namespace ? `${topology.namespace}.` : ''}events.alert.>`,
  });
  return {
    synced: sessions.filter((s) => s.status.state === 'synced').length,
    sessions: sessions.length,
    messages: telemetry.state.messages,
    alerts: Object.values(events.state.subjects ?? {}).reduce((a, b) => a + b, 0),
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (typeof options === 'string') {
    console.error(options);
    return 64;
  }
  const config = await prepareStack({ checkNats: true, app: 'demo' });
  if (typeof config === 'number') return config;

  // A token for this run only, handed to switchctl through a config file (mode 0600), never printed.
  const token = randomBytes(24).toString('base64url');
  const port = Number(process.env.INGRESS_HTTP_PORT ?? 8080);
  const api = `http://127.0.0.1:${port}`;
  const demoDir = join(servicesDataDir(), 'demo');
  mkdirSync(demoDir, { recursive: true, mode: 0o700 });
  const switchctlConfig = resolve(demoDir, 'switchctl.yaml');
  // A new file each run (never one that is there already, or a link): only then does mode 0600 hold.
  rmSync(switchctlConfig, { force: true });
  writeFileSync(switchctlConfig, `current-context: demo\ncontexts:\n  - name: demo\n    api: ${api}\n    token: ${token}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  process.env.INGRESS_API_TOKENS = JSON.stringify([{ name: 'demo', token, scope: 'admin' }]);
  process.env.DEVICE_CREDENTIALS_DEMO = `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`;
  process.env.LOG_LEVEL ??= 'warn';

  console.log(`demo: starting ${options.gnmi} gNMI and ${options.netconf} NETCONF simulated devices`);
  const targets = await startFleet({
    gnmi: options.gnmi,
    first: options.first,
    port: GNMI_PORT,
    faults: GNMI_FAULTS,
    ...DEMO_CREDENTIALS,
    interfaces: 4,
  });
  const netconf = await startNetconfFleet(
    {
      gnmi: options.gnmi,
      first: options.first,
      netconf: options.netconf,
      netconfPort: NETCONF_PORT,
      port: GNMI_PORT,
      ...DEMO_CREDENTIALS,
      interfaces: 4,
    },
    options.gnmi,
  );
  const stopFleet = async () => {
    for (const t of targets) await t.stop();
    for (const d of netconf) await d.stop();
  };

  const apps = runApps(APPS);
  const log = createLogger({ app: 'demo', level: 'warn' });
  let bus: Bus | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!(await waitForApi(api, 30_000))) throw new Error(`the ingress did not answer on ${api} within 30 s`);
    await register(api, token, [...targets.map(gnmiDevice), ...netconf.map(netconfDevice)]);
    console.log(
      [
        `demo: ${targets.length + netconf.length} devices registered through ${api}/v1/devices. Try, in another terminal:`,
        `  export SWITCHCTL_CONFIG=${switchctlConfig}`,
        `  npx switchctl devices list`,
        `  npx switchctl sessions list --state backoff`,
        `  npx switchctl top --metrics http://127.0.0.1:9100/metrics --metrics http://127.0.0.1:9101/metrics`,
        `  npx switchctl tail --device ${targets[0]?.options.name ?? netconf[0]?.options.name ?? 'sim-gnmi-001'} --since 1m`,
        `  Grafana: import k8s/monitoring/grafana-dashboard.json; Prometheus: scrape 127.0.0.1:9100-9103/metrics`,
        `Ctrl-C stops the apps and the simulated devices.`,
      ].join('\n'),
    );
    bus = await connectBus({ servers: config.NATS_URL, token: config.NATS_TOKEN, name: 'demo', log });
    const topology = createTopology({ namespace: config.NATS_NAMESPACE });
    let last = await totals(api, token, bus, topology).catch(() => undefined);
    let lastAt = Date.now();
    timer = setInterval(() => {
      void totals(api, token, bus!, topology).then(
        (now) => {
          const rate = last ? Math.round(((now.messages - last.messages) * 1_000) / (Date.now() - lastAt)) : 0;
          console.log(
            `demo: ${now.synced}/${targets.length + netconf.length} devices synced, ${now.sessions} sessions, ${rate} messages/s, ` +
              `${now.alerts} alerts stored`,
          );
          last = now;
          lastAt = Date.now();
        },
        (err: unknown) => console.log(`demo: status not available (${(err as Error).message})`),
      );
    }, options.everyMs);
  } catch (err) {
    console.error(`demo: ${(err as Error).message}`);
    process.kill(process.pid, 'SIGTERM');
  }
  const code = await apps;
  if (timer) clearInterval(timer);
  await bus?.close();
  await stopFleet();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);

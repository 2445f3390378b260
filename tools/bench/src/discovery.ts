// A /16 on loopback with 50 simulated devices (40 gNMI, 10 NETCONF) at random addresses and 20 addresses
// whose port answers something else, scanned through the API and the job runtime by the ingress and
// discovery bundles. The baseline, in the same run: nmap -sT -Pn -n -T5 over the same range and ports.
import { spawnSync } from 'node:child_process';
import { startOtherService, type OtherService } from '@switch-telemetry/scanning/testing';
import { GnmiTarget, NetconfDevice } from '@switch-telemetry/sim';
import { round } from './measure';
import { withStack } from './stack';

const SUBNET = '127.88.0.0/16';
const GNMI_PORT = 9339;
const NETCONF_PORT = 8300;
const TOKEN = 'bench-discovery-token-0123456789abcdef';
const ADDRESSES = 65_534;

/** `count` distinct random host addresses of 127.88.0.0/16 not in `taken`. */
function randomHosts(count: number, taken: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const n = 1 + Math.floor(Math.random() * ADDRESSES);
    const host = `127.88.${Math.floor(n / 256)}.${n % 256}`;
    if (n % 256 === 0 || n % 256 === 255 || taken.has(host)) continue;
    taken.add(host);
    out.push(host);
  }
  return out;
}

export async function discoveryBench(): Promise<Record<string, unknown>> {
  const nmap = spawnSync('nmap', ['--version'], { encoding: 'utf8' });
  if (nmap.status !== 0) throw new Error("nmap is not installed (Debian: apt-get install nmap): it is this bench's baseline");
  const taken = new Set<string>();
  const gnmiHosts = randomHosts(40, taken);
  const netconfHosts = randomHosts(10, taken);
  const garbageHosts = randomHosts(20, taken);
  const targets = gnmiHosts.map(
    (host, i) => new GnmiTarget({ name: `b${i}`, host, port: GNMI_PORT, username: 'bench', password: 'bench-pw', interfaces: 1 }),
  );
  const devices = netconfHosts.map(
    (host, i) => new NetconfDevice({ name: `n${i}`, host, port: NETCONF_PORT, username: 'bench', password: 'bench-pw' }),
  );
  const garbage: OtherService[] = [];
  for (const t of targets) await t.start();
  for (const d of devices) await d.start();
  for (const host of garbageHosts) garbage.push(await startOtherService(host, GNMI_PORT));
  try {
    return await withStack('discovery', async (stack) => {
      const policy = { DISCOVERY_ALLOWED_SUBNETS: '127.88.0.0/16' };
      const ingress = await stack.app('ingress', {
        ...policy,
        OPS_PORT: '0',
        INGRESS_API_TOKENS: JSON.stringify([{ name: 'bench', token: TOKEN, scope: 'admin' }]),
      });
      const discovery = await stack.app('discovery', {
        ...policy,
        DISCOVERY_GNMI_PORTS: String(GNMI_PORT),
        DISCOVERY_NETCONF_PORTS: String(NETCONF_PORT),
        DISCOVERY_RATE_PER_S: '200000',
        DISCOVERY_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '2048',
        DISCOVERY_PROFILES: JSON.stringify([{ name: 'bench', credentials: 'bench', plaintext: true }]),
        DEVICE_CREDENTIALS_BENCH: 'bench:bench-pw',
      });
      await discovery.ready();
      // The ingress's readiness is on its ops port; its API answers once it listens.
      const api = async (method: string, path: string, body?: unknown) => {
        for (let i = 0; ; i += 1) {
          try {
            const res = await fetch(`${ingress.url}${path}`, {
              method,
              headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
              ...(body ? { body: JSON.stringify(body) } : {}),
            });
            return (await res.json()) as Record<string, unknown>;
          } catch (err) {
            if (i > 100) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      const scan = async (subnet: string) => {
        const started = Date.now();
        const { id } = (await api('POST', '/v1/discovery', { subnet })) as { id: string };
        for (;;) {
          const s = await api('GET', `/v1/discovery/${id}?limit=10000`);
          if (s.state !== 'running' && s.state !== undefined) return { scan: s, seconds: (Date.now() - started) / 1_000 };
          await new Promise((r) => setTimeout(r, 200));
        }
      };

      const first = await scan(SUBNET);
      const results = (first.scan.results ?? []) as Array<{ address: string; protocol: string | null }>;
      const devicesAt = new Set([...gnmiHosts, ...netconfHosts]);
      const identified = results.filter((r) => r.protocol !== null);
      const found = results.filter((r) => devicesAt.has(r.address)).length;
      const falsePositives = identified.filter((r) => !devicesAt.has(r.address)).length;
      console.error(`scan: ${round(first.seconds, 1)} s, ${results.length} open ports, ${identified.length} identified`);

      // Scanned again (as two halves: the same subnet within 5 minutes is the same job): no duplicate device.
      await scan('127.88.0.0/17');
      await scan('127.88.128.0/17');
      // A device is one row per address and port: any second row for an address is a duplicate.
      const { rows } = await stack.db.pool.query<{ n: string }>('SELECT count(*) - count(DISTINCT (address, port)) AS n FROM devices');
      const duplicates = Number(rows[0]!.n);

      const started = Date.now();
      const run = spawnSync('nmap', ['-sT', '-Pn', '-n', '-T5', '-p', `${GNMI_PORT},${NETCONF_PORT}`, '--open', '-oG', '-', SUBNET], {
        encoding: 'utf8',
        maxBuffer: 64 * 1_048_576,
      });
      const nmapSeconds = (Date.now() - started) / 1_000;
      if (run.status !== 0) throw new Error(`nmap failed: ${run.stderr.slice(0, 500)}`);
      const nmapOpen = run.stdout.split('\n').filter((l) => /Ports: .*open/.test(l)).length;
      console.error(`nmap: ${round(nmapSeconds, 1)} s, ${nmapOpen} hosts with an open port`);

      const value = ADDRESSES / first.seconds;
      const baseline = ADDRESSES / nmapSeconds;
      return {
        value: round(value),
        unit: 'addresses probed/s (2 ports each, through the API and the job)',
        baseline: round(baseline),
        ratio: round(value / baseline, 2),
        found,
        identified: identified.filter((r) => devicesAt.has(r.address)).length,
        false_positives: falsePositives,
        unidentified_open: results.length - identified.length,
        duplicates,
        devices: devicesAt.size,
        scan_seconds: round(first.seconds, 1),
        nmap_seconds: round(nmapSeconds, 1),
        nmap_hosts_open: nmapOpen,
      };
    });
  } finally {
    for (const t of targets) await t.stop();
    for (const d of devices) await d.stop();
    await Promise.all(garbage.map((s) => s.close()));
  }
}

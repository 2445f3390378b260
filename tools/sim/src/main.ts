// `npm run sim -- --gnmi 100 --netconf 20 [--first 0] [--port 57400] [--netconf-port 830] [--username u --password p] [--interfaces 8]
// [--fault 3=auth,7=drop] [--limit N]`
// Starts the simulated fleet and prints one JSON line per device; stops on SIGTERM/SIGINT.
// SIGUSR1 drops every session at once and prints {"dropped":n}. With --limit, a firehose stream (sample interval ≤ 1 ms) stops after N
// notifications per target and prints {"limit_reached":name,"sent":n}.
import { parseArgs } from 'node:util';
import { startFleet, startNetconfFleet } from './fleet';
import type { GnmiFault } from './gnmi-target';

const FAULTS: GnmiFault[] = ['none', 'refuse', 'auth', 'stall', 'drop', 'garbage'];

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        gnmi: { type: 'string', default: '10' },
        netconf: { type: 'string', default: '0' },
        'netconf-port': { type: 'string', default: '830' },
        'notification-ms': { type: 'string', default: '1000' },
        port: { type: 'string', default: '57400' },
        username: { type: 'string' },
        password: { type: 'string' },
        interfaces: { type: 'string', default: '8' },
        fault: { type: 'string', default: '' },
        limit: { type: 'string' },
        // Number this process's devices from here (names, addresses): several processes share one fleet.
        first: { type: 'string', default: '0' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`);
    return 64;
  }
  const gnmi = Number(values.gnmi);
  const netconf = Number(values.netconf);
  const netconfPort = Number(values['netconf-port']);
  if (
    !Number.isInteger(netconf) ||
    netconf < 0 ||
    netconf > 10_000 ||
    !Number.isInteger(netconfPort) ||
    netconfPort < 0 ||
    netconfPort > 65_535
  ) {
    console.error('sim: --netconf 0..10000, --netconf-port 0..65535');
    return 64;
  }
  const port = Number(values.port);
  const interfaces = Number(values.interfaces);
  if (
    !Number.isInteger(gnmi) ||
    gnmi < 0 ||
    gnmi > 10_000 ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65_535 ||
    !Number.isInteger(interfaces) ||
    interfaces < 1
  ) {
    console.error('sim: --gnmi 0..10000, --port 0..65535, --interfaces ≥ 1');
    return 64;
  }
  const first = Number(values.first);
  if (!Number.isInteger(first) || first < 0 || first > 50_000) {
    console.error('sim: --first 0..50000');
    return 64;
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    console.error('sim: --limit ≥ 1');
    return 64;
  }
  const faults: Record<number, GnmiFault> = {};
  for (const item of values.fault ? values.fault.split(',') : []) {
    const [index, fault] = item.split('=');
    if (!FAULTS.includes(fault as GnmiFault) || !/^\d+$/.test(index ?? '')) {
      console.error(`sim: --fault takes index=${FAULTS.join('|')} (got ${item})`);
      return 64;
    }
    faults[Number(index)] = fault as GnmiFault;
  }
  const targets = await startFleet({
    gnmi,
    first,
    port,
    interfaces,
    faults,
    ...(limit === undefined
      ? {}
      : { limit, onLimit: (name: string, sent: number) => console.log(JSON.stringify({ limit_reached: name, sent })) }),
    ...(values.username === undefined ? {} : { username: values.username, password: values.password ?? '' }),
  });
  for (const t of targets) {
    console.log(JSON.stringify({ name: t.options.name, protocol: 'gnmi', address: t.options.host, port: t.port, fault: t.options.fault }));
  }
  const devices = await startNetconfFleet(
    {
      gnmi,
      first,
      port,
      netconf,
      netconfPort,
      interfaces,
      notificationMs: Number(values['notification-ms']),
      ...(values.username === undefined ? {} : { username: values.username, password: values.password ?? '' }),
    },
    gnmi,
  );
  for (const d of devices) {
    console.log(
      JSON.stringify({
        name: d.options.name,
        protocol: 'netconf',
        address: d.options.host,
        port: d.port,
        host_key: d.fingerprint,
        fault: d.options.fault,
      }),
    );
  }
  // SIGUSR1: every device drops its sessions at once (the benchmarks' fleet-wide outage).
  process.on('SIGUSR1', () => {
    const dropped = [...targets, ...devices].reduce((n, d) => n + d.drop(), 0);
    console.log(JSON.stringify({ dropped }));
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await Promise.all([...targets.map((t) => t.stop()), ...devices.map((d) => d.stop())]);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`sim failed: ${(err as Error).message}`);
    process.exit(1);
  },
);

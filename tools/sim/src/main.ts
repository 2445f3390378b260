// `npm run sim -- --gnmi 100 [--port 57400] [--username u --password p] [--interfaces 8] [--fault 3=auth,7=drop]`
// Starts the simulated fleet and prints one JSON line per device; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startFleet } from './fleet';
import type { GnmiFault } from './gnmi-target';

const FAULTS: GnmiFault[] = ['none', 'refuse', 'auth', 'stall', 'drop', 'garbage'];

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        gnmi: { type: 'string', default: '10' },
        port: { type: 'string', default: '57400' },
        username: { type: 'string' },
        password: { type: 'string' },
        interfaces: { type: 'string', default: '8' },
        fault: { type: 'string', default: '' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`);
    return 64;
  }
  const gnmi = Number(values.gnmi);
  const port = Number(values.port);
  const interfaces = Number(values.interfaces);
  if (!Number.isInteger(gnmi) || gnmi < 0 || gnmi > 10_000 || !Number.isInteger(port) || port < 0 || port > 65_535 || !Number.isInteger(interfaces) || interfaces < 1) {
    console.error('sim: --gnmi 0..10000, --port 0..65535, --interfaces ≥ 1');
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
    port,
    interfaces,
    faults,
    ...(values.username === undefined ? {} : { username: values.username, password: values.password ?? '' }),
  });
  for (const t of targets) {
    console.log(JSON.stringify({ name: t.options.name, protocol: 'gnmi', address: t.options.host, port: t.port, fault: t.options.fault }));
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await Promise.all(targets.map((t) => t.stop()));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`sim failed: ${(err as Error).message}`);
    process.exit(1);
  },
);

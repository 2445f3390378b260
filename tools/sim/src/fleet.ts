import { GnmiTarget, type GnmiFault, type GnmiTargetOptions } from './gnmi-target';
import { NetconfDevice, type NetconfFault } from './netconf-device';

export interface FleetOptions {
  gnmi: number;
  /** NETCONF devices, on the addresses after the gNMI targets'. */
  netconf?: number;
  netconfPort?: number;
  netconfFaults?: Record<number, NetconfFault>;
  notificationMs?: number;
  /** Port on every target's own address (0: a free one each). */
  port: number;
  /** Number the devices from here (names and addresses), so several processes can share one fleet. */
  first?: number;
  /** The n-th target listens on 127.10.<n / 250>.<n % 250 + 1>. */
  username?: string;
  password?: string;
  interfaces?: number;
  /** Faults by target index, e.g. { 3: 'auth' }. */
  faults?: Record<number, GnmiFault>;
  tickMs?: number;
  flapMs?: number;
  /** Per gNMI target: firehose streams stop after this many notifications; `onLimit` hears each target's total. */
  limit?: number;
  onLimit?: (name: string, sent: number) => void;
}

/** The loopback address of the n-th simulated device (0-based). */
export function deviceAddress(n: number): string {
  return `127.10.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

/** Starts the simulated NETCONF devices, each on its own loopback address after `offset`. */
export async function startNetconfFleet(options: FleetOptions, offset: number): Promise<NetconfDevice[]> {
  const devices: NetconfDevice[] = [];
  const first = options.first ?? 0;
  for (let n = 0; n < (options.netconf ?? 0); n += 1) {
    const device = new NetconfDevice({
      name: `sim-netconf-${String(first + n + 1).padStart(3, '0')}`,
      host: deviceAddress(first + offset + n),
      port: options.netconfPort ?? 830,
      username: options.username ?? 'netconf',
      password: options.password ?? 'netconf',
      fault: options.netconfFaults?.[n] ?? 'none',
      seed: first + offset + n + 1,
      ...(options.interfaces === undefined ? {} : { interfaces: options.interfaces }),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.notificationMs === undefined || Number.isNaN(options.notificationMs) ? {} : { notificationMs: options.notificationMs }),
    });
    await device.start();
    devices.push(device);
  }
  return devices;
}

/** Starts N simulated gNMI targets, each on its own loopback address. */
export async function startFleet(options: FleetOptions): Promise<GnmiTarget[]> {
  const targets: GnmiTarget[] = [];
  const first = options.first ?? 0;
  for (let n = 0; n < options.gnmi; n += 1) {
    const name = `sim-gnmi-${String(first + n + 1).padStart(3, '0')}`;
    const { onLimit } = options;
    const target = new GnmiTarget({
      name,
      host: deviceAddress(first + n),
      port: options.port,
      fault: options.faults?.[n] ?? 'none',
      seed: first + n + 1,
      ...(options.username === undefined ? {} : { username: options.username, password: options.password ?? '' }),
      ...(options.interfaces === undefined ? {} : { interfaces: options.interfaces }),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.flapMs === undefined ? {} : { flapMs: options.flapMs }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(onLimit === undefined ? {} : { onLimit: (sent: number) => onLimit(name, sent) }),
    } satisfies GnmiTargetOptions);
    await target.start();
    targets.push(target);
  }
  return targets;
}

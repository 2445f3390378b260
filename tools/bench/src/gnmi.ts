import { Metadata, credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import { GnmiClient, gnmiService, normalizeNotification, parsePath, type SubscriptionList } from '@switch-telemetry/gnmi';
import { createLogger } from '@switch-telemetry/logging';
import { alternate, rateOf, round } from './measure';
import { spawnSimulator } from './process';

const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 100_000);
const ROUNDS = 2;

const log = createLogger({ app: 'bench', level: 'warn' });
// The firehose: every interface's counters, sampled as fast as flow control allows.
const firehose: SubscriptionList = {
  mode: 'STREAM',
  encoding: 'PROTO',
  subscription: [{ path: parsePath('/interfaces/interface[name=*]/state/counters'), mode: 'SAMPLE', sample_interval: '1' }],
};

function metadata(): Metadata {
  const md = new Metadata();
  md.set('username', 'bench');
  md.set('password', 'bench-pw');
  return md;
}

/** The same Subscribe RPC with responses left as bytes: transport and HTTP/2 only, no protobuf, no normalising. */
async function rawRound(address: string): Promise<void> {
  const { definition } = gnmiService();
  const method = (definition['gnmi.gNMI'] as unknown as Record<string, { path: string; requestSerialize: (v: unknown) => Buffer }>)
    .Subscribe!;
  const Raw = makeGenericClientConstructor(
    {
      Subscribe: {
        path: method.path,
        requestStream: true,
        responseStream: true,
        requestSerialize: method.requestSerialize,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'gNMI',
  );
  const client = new Raw(address, credentials.createInsecure()) as unknown as {
    Subscribe(md: Metadata): ClientDuplexStream<unknown, Buffer>;
    close(): void;
  };
  const call = client.Subscribe(metadata());
  call.on('error', () => undefined);
  call.write({ subscribe: firehose });
  let n = 0;
  for await (const bytes of call) {
    if ((bytes as Buffer).length > 0) n += 1;
    if (n >= NOTIFICATIONS) break;
  }
  call.cancel();
  client.close();
}

/** GnmiClient: decode (proto-loader) and normalise every notification into a telemetry message. */
async function clientRound(address: string): Promise<void> {
  const client = new GnmiClient({ address, username: 'bench', password: 'bench-pw', tls: false, log });
  const sub = client.subscribe(firehose);
  let n = 0;
  let bytes = 0;
  for await (const event of sub) {
    if (event.kind !== 'update') continue;
    bytes += JSON.stringify(normalizeNotification(event.notification, 'sim-gnmi-001', 'bench')).length;
    n += 1;
    if (n >= NOTIFICATIONS) break;
  }
  sub.cancel();
  client.close();
  if (bytes === 0) throw new Error('nothing normalised');
}

export async function gnmiBench(): Promise<Record<string, unknown>> {
  // The simulated target runs in its own process, so the client has a core to itself.
  const { sim, first } = await spawnSimulator(['--gnmi', '1', '--port', '0', '--interfaces', '16']);
  const { address, port } = first as { address: string; port: number };
  const target = `${address}:${port}`;
  try {
    await rateOf(10_000, () => clientRound(target)); // warm-up
    // CPU of this process per notification: what decoding and normalising
    // cost beyond receiving, even when the target is the slower side.
    const cpu = { raw: [] as number[], client: [] as number[] };
    const measured = (kind: 'raw' | 'client', run: () => Promise<void>) => async () => {
      const before = process.cpuUsage();
      const rate = await rateOf(NOTIFICATIONS, run);
      const used = process.cpuUsage(before);
      cpu[kind].push((used.user + used.system) / NOTIFICATIONS);
      return rate;
    };
    const { base, ours } = await alternate(
      ROUNDS,
      measured('raw', () => rawRound(target)),
      measured('client', () => clientRound(target)),
      (b, o) => `raw bytes ${round(b)} /s, decoded + normalised ${round(o)} /s`,
    );
    const value = Math.max(...ours);
    const baseline = Math.max(...base);
    return {
      value: round(value),
      unit: 'notifications/s',
      baseline: round(baseline),
      ratio: round(value / baseline, 3),
      notifications: NOTIFICATIONS,
      updates_per_notification: 5,
      client_cpu_us_per_notification: round(Math.min(...cpu.client), 2),
      raw_cpu_us_per_notification: round(Math.min(...cpu.raw), 2),
    };
  } finally {
    sim.kill('SIGTERM');
  }
}

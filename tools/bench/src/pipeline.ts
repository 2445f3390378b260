// `npm run bench -- pipeline`: simulated gNMI devices streaming SAMPLE updates
// → one collector (the production bundle) → JetStream → a consumer here.
// Baseline, same run: the same messages (the very payloads the consumer saw)
// published to JetStream by bus.publish, pipelined with acknowledgements on
// one subscription, the same window as the collector's in-flight bound.
import { spawnSync } from 'node:child_process';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { DeviceRepository, deviceInputSchema } from '@switch-telemetry/inventory';
import { percentile, round, until, windowed } from './measure';
import { exited, metric, usage } from './process';
import { withStack } from './stack';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
/** Notifications each simulated device sends before it falls quiet. */
const PER_DEVICE = Number(process.env.BENCH_PER_DEVICE ?? 2_000);
const IN_FLIGHT = 1_024; // COLLECTOR_MAX_IN_FLIGHT's default
const TIMEOUT_MS = 300_000;

export async function pipelineBench(): Promise<Record<string, unknown>> {
  return withStack('pipeline', async ({ topology, bus, db, sim: startSim, collector: startCollector }) => {
    // The fleet, in a process of its own: every device streams its counters flat out, PER_DEVICE notifications each.
    const targets: Array<{ name: string; address: string; port: number }> = [];
    const finished = new Map<string, number>();
    const sim = startSim(['--gnmi', String(DEVICES), '--port', '0', '--interfaces', '4', '--limit', String(PER_DEVICE)], (item) => {
      if (typeof item.limit_reached === 'string') finished.set(item.limit_reached, item.sent as number);
      else targets.push(item as unknown as { name: string; address: string; port: number });
    });
    await Promise.race([until(() => targets.length === DEVICES, 60_000, 'the simulated fleet'), exited(sim, 'the simulator')]);

    const devices = new DeviceRepository(db.pool);
    for (const t of targets) {
      await devices.upsert(
        deviceInputSchema.parse({
          id: t.name,
          name: t.name,
          protocol: 'gnmi',
          address: t.address,
          port: t.port,
          credentials: 'bench_credentials',
          tls: { plaintext: true },
          subscriptions: [{ name: 'counters', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 1 }],
        }),
      );
    }

    // The consumer: everything the collector stores, read back as a downstream service would.
    const stream = topology.streams.telemetry.name;
    await bus.jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const messages = await (await bus.js.consumers.get(stream, 'bench')).consume({ max_messages: 4_096 });
    const latencies: number[] = [];
    const arrivals: number[] = [];
    const payloads: Uint8Array[] = [];
    let updates = 0;
    let bytes = 0;
    const decoder = new TextDecoder();
    const consuming = (async () => {
      for await (const m of messages) {
        const now = Date.now();
        const text = decoder.decode(m.data);
        const ts = /"ts":"?(\d+)/.exec(text)?.[1];
        if (ts) latencies.push(now - Number(BigInt(ts) / 1_000_000n));
        arrivals.push(now);
        updates += text.split('"path":').length - 1;
        bytes += m.data.length;
        if (payloads.length < 1_000) payloads.push(m.data);
      }
    })();

    // The collector as it ships.
    const { child: collector, url: collectorUrl, died: collectorDied } = await startCollector({ COLLECTOR_SPREAD_MS: '500' });
    const natsPid = Number(spawnSync('pgrep', ['-o', 'nats-server'], { encoding: 'utf8' }).stdout.trim()) || undefined;
    const cpuBefore = usage(collector.pid!);
    const [simBefore, natsBefore] = [usage(sim.pid!), natsPid ? usage(natsPid) : undefined];
    await Promise.race([until(() => finished.size === DEVICES, TIMEOUT_MS, 'every device done sending'), collectorDied]);
    const sent = [...finished.values()].reduce((a, b) => a + b, 0);
    // Everything sent must come out of the stream; wait until it does or nothing more arrives for 10 s.
    let last = arrivals.length;
    let quietSince = Date.now();
    await Promise.race([
      until(
        () => {
          if (arrivals.length !== last) [last, quietSince] = [arrivals.length, Date.now()];
          return arrivals.length >= sent || Date.now() - quietSince > 10_000;
        },
        TIMEOUT_MS,
        'every message consumed',
      ),
      collectorDied,
    ]);
    const cpuAfter = usage(collector.pid!);
    const [simAfter, natsAfter] = [usage(sim.pid!), natsPid ? usage(natsPid) : undefined];
    const received = await metric(collectorUrl, 'collector_messages_received_total');
    const dropped = await metric(collectorUrl, 'collector_messages_dropped_total');
    const info = await bus.jsm.streams.info(stream, { subjects_filter: `${topology.namespace}.telemetry.>` });
    const stored = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    messages.stop();
    await consuming;

    // Steady state: the middle 80 % of arrivals (leaves out the connect ramp and the last stragglers).
    const consumed = arrivals.length;
    const [from, to] = [arrivals[Math.floor(consumed * 0.1)]!, arrivals[Math.floor(consumed * 0.9)]!];
    const seconds = Math.max(0.001, (to - from) / 1000);
    const rate = (Math.floor(consumed * 0.9) - Math.floor(consumed * 0.1)) / seconds;
    const wall = (arrivals[consumed - 1]! - arrivals[0]!) / 1000;
    latencies.sort((a, b) => a - b);

    // Baseline: the same count of the same payloads, published as fast as this client allows.
    const baselineSubject = `${topology.namespace}.telemetry.baseline.counters`;
    const started = process.hrtime.bigint();
    await windowed(consumed, IN_FLIGHT, (i) => bus.publish(baselineSubject, payloads[i % payloads.length]!));
    const baseline = consumed / (Number(process.hrtime.bigint() - started) / 1e9);

    const result = {
      value: round(rate),
      unit: 'messages/s',
      baseline: round(baseline),
      ratio: round(rate / baseline, 3),
      updates_per_s: round((rate * updates) / Math.max(1, consumed)),
      devices: DEVICES,
      sent,
      received,
      stored,
      consumed,
      dropped,
      lost: sent - stored,
      avg_bytes: round(bytes / Math.max(1, consumed)),
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      wall_s: round(wall, 2),
      collector_cpu_s: round(cpuAfter.cpu - cpuBefore.cpu, 2),
      collector_cpu_pct: round((100 * (cpuAfter.cpu - cpuBefore.cpu)) / Math.max(0.001, wall), 1),
      // The rest of the machine (2 cores shared by all four): where the time went.
      sim_cpu_pct: round((100 * (simAfter.cpu - simBefore.cpu)) / Math.max(0.001, wall), 1),
      nats_cpu_pct: natsAfter && natsBefore ? round((100 * (natsAfter.cpu - natsBefore.cpu)) / Math.max(0.001, wall), 1) : null,
      collector_rss_mib: round(cpuAfter.rssMiB),
      collector_peak_rss_mib: round(cpuAfter.peakMiB),
    };
    console.error(JSON.stringify(result, null, 1));
    return result;
  });
}

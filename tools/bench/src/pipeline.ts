// `npm run bench -- pipeline`: simulated gNMI devices streaming SAMPLE updates
// → one collector (the production bundle) → JetStream → a consumer here.
// Value: the collector's CPU per message stored (what a user pays per device).
// Baseline, same run: the limit path (limit-path.ts), the same work in a
// tight loop in a process of its own, on the very bytes a simulated device
// sends. Also measured: end-to-end throughput against a bare pipelined
// publish of the same payloads, and latency at a realistic load (1,000
// devices, one notification a second each).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { GnmiClient, parsePath } from '@switch-telemetry/gnmi';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget } from '@switch-telemetry/sim';
import { percentile, round, until, windowed } from './measure';
import { exited, metric, usage } from './process';
import { withStack } from './stack';

/** The responses one simulated device sends, captured raw (as the collector's gRPC client receives them), length-prefixed. */
async function captureResponses(count: number): Promise<Buffer> {
  const target = new GnmiTarget({ name: 'capture', host: '127.10.99.1', port: 0, username: 'bench', password: 'bench-pw', interfaces: 4 });
  await target.start();
  const client = new GnmiClient({
    address: target.address,
    tls: false,
    username: 'bench',
    password: 'bench-pw',
    log: createLogger({ app: 'bench', level: 'warn' }),
  });
  const parts: Buffer[] = [];
  try {
    await client.connect();
    const stream = client.subscribeRaw({
      mode: 'STREAM',
      encoding: 'JSON_IETF',
      subscription: [{ path: parsePath('/interfaces/interface[name=*]/state/counters'), mode: 'SAMPLE', sample_interval: '1000000' }],
    });
    await stream.run((bytes) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      parts.push(length, bytes);
      if (parts.length / 2 >= count) stream.cancel();
    });
  } finally {
    client.close();
    await target.stop();
  }
  return Buffer.concat(parts);
}

/** The limit path in a child process (its CPU only); one JSON line back. */
function runLimitPath(
  capture: string,
  natsUrl: string,
  namespace: string,
  messages: number,
  devices: number,
): { cpu_us_per_msg: number; user_us_per_msg: number; system_us_per_msg: number; per_s: number } {
  const run = spawnSync(
    process.execPath,
    [process.argv[1]!, 'pipeline-limit', capture, natsUrl, namespace, String(messages), String(devices), String(IN_FLIGHT)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: TIMEOUT_MS,
    },
  );
  const line = run.stdout.trim().split('\n').pop();
  if (run.status !== 0 || !line) throw new Error(`the limit path failed (${run.status})`);
  return JSON.parse(line) as { cpu_us_per_msg: number; user_us_per_msg: number; system_us_per_msg: number; per_s: number };
}

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
/** Notifications each simulated device sends before it falls quiet. */
const PER_DEVICE = Number(process.env.BENCH_PER_DEVICE ?? 2_000);
const IN_FLIGHT = 1_024; // COLLECTOR_MAX_IN_FLIGHT's default
const TIMEOUT_MS = 300_000;
/** The realistic load: this many devices, one notification a second each, measured this long. */
const STEADY_DEVICES = Number(process.env.BENCH_STEADY_DEVICES ?? 1_000);
const STEADY_MS = 20_000;

export async function pipelineBench(): Promise<Record<string, unknown>> {
  return withStack('pipeline', async ({ topology, bus, db, sim: startSim, collector: startCollector }) => {
    const scratch = mkdtempSync(join(tmpdir(), 'st-bench-'));
    const capture = join(scratch, 'responses.bin');
    writeFileSync(capture, await captureResponses(PER_DEVICE));
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
    // The collector's CPU over the steady part of the run (arrivals 10 %..90 %): start-up, connects and the tail stay out.
    let collectorPid = 0;
    const steadyCpu: Array<{ at: number; cpu: number }> = [];
    const mark = (expected: number) => {
      if (collectorPid && (arrivals.length === Math.floor(expected * 0.1) || arrivals.length === Math.floor(expected * 0.9)))
        steadyCpu.push({ at: arrivals.length, cpu: usage(collectorPid).cpu });
    };
    const consuming = (async () => {
      for await (const m of messages) {
        mark(DEVICES * PER_DEVICE);
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
    const {
      child: collector,
      url: collectorUrl,
      died: collectorDied,
    } = await startCollector({ COLLECTOR_SPREAD_MS: '500', LOG_LEVEL: process.env.BENCH_COLLECTOR_LOG ?? 'warn' });
    const natsPid = Number(spawnSync('pgrep', ['-o', 'nats-server'], { encoding: 'utf8' }).stdout.trim()) || undefined;
    collectorPid = collector.pid!;
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
    const dropped =
      ((await metric(collectorUrl, 'collector_messages_dropped_total', 'buffer_full')) || 0) +
      ((await metric(collectorUrl, 'collector_messages_dropped_total', 'oversized')) || 0);
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

    // End to end, for reference: the same count of the same payloads, published as fast as this client allows.
    const baselineSubject = `${topology.namespace}.telemetry.baseline.counters`;
    const started = process.hrtime.bigint();
    await windowed(consumed, IN_FLIGHT, (i) => bus.publish(baselineSubject, payloads[i % payloads.length]!));
    const baseline = consumed / (Number(process.hrtime.bigint() - started) / 1e9);

    // The baseline: the limit path on the same responses, as many messages, as many devices.
    const limit = runLimitPath(capture, process.env.NATS_URL ?? 'nats://127.0.0.1:4222', topology.namespace, stored, DEVICES);
    const [first, lastMark] = [steadyCpu[0], steadyCpu[1]];
    const collectorUs =
      first && lastMark
        ? ((lastMark.cpu - first.cpu) * 1e6) / (lastMark.at - first.at)
        : ((cpuAfter.cpu - cpuBefore.cpu) * 1e6) / Math.max(1, stored);

    // Latency at a realistic load: a fresh collector, STEADY_DEVICES devices sending one notification a second.
    collector.kill('SIGTERM');
    sim.kill('SIGTERM');
    await Promise.all([new Promise((r) => collector.once('exit', r)), new Promise((r) => sim.once('exit', r))]);
    const steady =
      STEADY_DEVICES > 0
        ? await steadyLatency(startSim, startCollector, devices, bus, topology.streams.telemetry.name, topology.namespace)
        : undefined;
    rmSync(scratch, { recursive: true, force: true });

    const result = {
      value: round(collectorUs, 1),
      unit: 'collector CPU µs per message',
      baseline: round(limit.cpu_us_per_msg, 1),
      ratio: round(limit.cpu_us_per_msg / collectorUs, 3),
      collector_cpu_us_per_msg: round(collectorUs, 1),
      collector_cpu_us_per_msg_whole_run: round(((cpuAfter.cpu - cpuBefore.cpu) * 1e6) / Math.max(1, stored), 1),
      limit_cpu_us_per_msg: round(limit.cpu_us_per_msg, 1),
      limit_user_us_per_msg: round(limit.user_us_per_msg, 1),
      limit_system_us_per_msg: round(limit.system_us_per_msg, 1),
      limit_msgs_per_s: round(limit.per_s),
      messages_per_s: round(rate),
      updates_per_s: round((rate * updates) / Math.max(1, consumed)),
      e2e_baseline_msgs_per_s: round(baseline),
      e2e_ratio: round(rate / baseline, 3),
      devices: DEVICES,
      sent,
      received,
      stored,
      consumed,
      dropped,
      lost: sent - stored,
      avg_bytes: round(bytes / Math.max(1, consumed)),
      firehose_p50_ms: percentile(latencies, 50),
      firehose_p99_ms: percentile(latencies, 99),
      steady_devices: STEADY_DEVICES,
      steady_msgs_per_s: steady?.rate ?? null,
      steady_p50_ms: steady?.p50 ?? null,
      steady_p99_ms: steady?.p99 ?? null,
      steady_collector_cpu_pct: steady?.cpuPct ?? null,
      wall_s: round(wall, 2),
      collector_cpu_s: round(cpuAfter.cpu - cpuBefore.cpu, 2),
      // Loopback TCP charges much of the receiver's work to the sender's system time.
      collector_user_s: round(cpuAfter.user - cpuBefore.user, 2),
      collector_system_s: round(cpuAfter.system - cpuBefore.system, 2),
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

/**
 * STEADY_DEVICES simulated devices sampling every second (one notification
 * each: one interface), a fresh collector, and the device-timestamp →
 * consumer latency of everything stored over STEADY_MS once all are synced.
 */
async function steadyLatency(
  startSim: Parameters<Parameters<typeof withStack>[1]>[0]['sim'],
  startCollector: Parameters<Parameters<typeof withStack>[1]>[0]['collector'],
  devices: DeviceRepository,
  bus: Parameters<Parameters<typeof withStack>[1]>[0]['bus'],
  stream: string,
  namespace: string,
): Promise<{ rate: number; p50: number; p99: number; cpuPct: number }> {
  for (const d of (await devices.list({ limit: 500 })).devices) await devices.delete(d.id);
  const targets: Array<{ name: string; address: string; port: number }> = [];
  const sim = startSim(['--gnmi', String(STEADY_DEVICES), '--port', '0', '--interfaces', '1'], (item) => {
    if (typeof item.name === 'string') targets.push(item as unknown as { name: string; address: string; port: number });
  });
  await Promise.race([until(() => targets.length === STEADY_DEVICES, 120_000, 'the steady fleet'), exited(sim, 'the simulator')]);
  for (const t of targets) {
    await devices.upsert(
      deviceInputSchema.parse({
        id: `steady-${t.name}`,
        name: t.name,
        protocol: 'gnmi',
        address: t.address,
        port: t.port,
        credentials: 'bench_credentials',
        tls: { plaintext: true },
        subscriptions: [{ name: 'counters', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 1_000 }],
      }),
    );
  }
  const { child, url, died } = await startCollector({ COLLECTOR_SPREAD_MS: '5000' });
  await Promise.race([
    (async () => {
      const deadline = Date.now() + 120_000;
      while ((await metric(url, 'collector_sessions', 'state="synced"').catch(() => 0)) < STEADY_DEVICES) {
        if (Date.now() > deadline) throw new Error('the steady fleet did not sync within 120 s');
        await new Promise((r) => setTimeout(r, 500));
      }
    })(),
    died,
  ]);
  await bus.jsm.consumers.add(stream, {
    durable_name: 'steady',
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    filter_subject: `${namespace}.telemetry.>`,
  });
  const messages = await (await bus.js.consumers.get(stream, 'steady')).consume({ max_messages: 4_096 });
  const latencies: number[] = [];
  const decoder = new TextDecoder();
  const cpuBefore = usage(child.pid!);
  const started = Date.now();
  const consuming = (async () => {
    for await (const m of messages) {
      const ts = /"ts":"?(\d+)/.exec(decoder.decode(m.data))?.[1];
      if (ts) latencies.push(Date.now() - Number(BigInt(ts) / 1_000_000n));
      if (Date.now() - started >= STEADY_MS) break;
    }
  })();
  await Promise.race([new Promise((r) => setTimeout(r, STEADY_MS + 1_000)), died]);
  messages.stop();
  await consuming;
  const cpuPct = (100 * (usage(child.pid!).cpu - cpuBefore.cpu)) / ((Date.now() - started) / 1_000);
  child.kill('SIGTERM');
  sim.kill('SIGTERM');
  latencies.sort((a, b) => a - b);
  return {
    rate: round(latencies.length / (STEADY_MS / 1_000)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPct: round(cpuPct, 1),
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { connectBus, createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort } from '@switch-telemetry/bus/testing';
import { createTestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { alternate, percentile, round, windowed } from './measure';
import { usage } from './process';
import { spawnApp } from './stack';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = 2;
const SECRET = 'bench-webhook-secret-0123456789';

const log = createLogger({ app: 'bench', level: 'warn' });

interface Round {
  rate: number;
  p50: number;
  p99: number;
  accepted: number;
}

/** Sends REQUESTS signed webhooks, CONCURRENCY at a time, and times each. */
async function load(url: string, offset: number): Promise<Round> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let accepted = 0;
  const started = process.hrtime.bigint();
  await windowed(REQUESTS, CONCURRENCY, async (i) => {
    const body = JSON.stringify({ event: 'device.updated', device: { id: `leaf-${(offset + i) % 5_000}`, n: offset + i } });
    const t0 = process.hrtime.bigint();
    const res = await pool.request({
      method: 'POST',
      path: '/v1/webhooks/nms',
      headers: { 'content-type': 'application/json', 'x-webhook-signature': createHmac('sha256', SECRET).update(body).digest('hex') },
      body,
    });
    await res.body.dump();
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.statusCode === 202) accepted += 1;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { rate: REQUESTS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), accepted };
}

/** Polls the ops server's /readyz (`opsUrl`) until the ingress is ready. */
async function waitReady(opsUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ingress exited ${child.exitCode}`);
    if (
      (await fetch(`${opsUrl}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return;
    if (Date.now() > deadline) throw new Error('ingress not ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function ingressBench(): Promise<Record<string, unknown>> {
  const root = process.cwd(); // npm run bench runs from the repository root
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const namespace = `bench_${Date.now().toString(36)}`;

  // The real ingress app, bundled as it ships (npm run bench builds it first);
  // its ops endpoints are on OPS_PORT, apart from the webhooks.
  const db = await createTestDatabase();
  const opsPort = await freePort();
  const { child: ingress, url: ingressUrl } = await spawnApp({
    app: 'ingress',
    natsUrl,
    namespace,
    databaseUrl: db.url,
    env: { INGRESS_WEBHOOK_SOURCES: JSON.stringify([{ name: 'nms', scheme: 'hex', secrets: [SECRET] }]), OPS_PORT: String(opsPort) },
  });
  const bare = spawn(process.execPath, [resolve(root, 'tools', 'bench', 'src', 'bare-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const barePort = await new Promise<string>((res) => createInterface({ input: bare.stdout! }).once('line', res));
  const bareUrl = `http://127.0.0.1:${barePort}`;
  // The durable baseline: the same two publishes per request, nothing else (durable-server.ts).
  const durable = spawn(process.execPath, [process.argv[1]!, 'ingress-durable', natsUrl, namespace], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const durableLines = createInterface({ input: durable.stdout! });
  const durablePort = await new Promise<string>((res) => durableLines.once('line', res));
  const durableUrl = `http://127.0.0.1:${durablePort}`;
  const bus = await connectBus({ servers: natsUrl, name: 'bench-count', log });
  const topology = createTopology({ namespace });
  try {
    await waitReady(`http://127.0.0.1:${opsPort}`, ingress);
    // Warm all three (connections, JIT).
    await load(bareUrl, 0);
    await load(durableUrl, 50_000_000);
    const warm = await load(ingressUrl, 1_000_000);
    const { base, ours } = await alternate(
      ROUNDS,
      () => load(bareUrl, 0),
      (r) => load(ingressUrl, (r + 2) * 1_000_000),
      (b, o) => `bare ${round(b.rate)} req/s, ingress ${round(o.rate)} req/s (p50 ${round(o.p50, 2)} ms, p99 ${round(o.p99, 2)} ms)`,
    );
    // The ingress against the durable baseline, alternately, with the CPU each process spends per request.
    const durableRounds: Round[] = [];
    const ingressRounds: Round[] = [];
    let ingressCpu = 0;
    for (let r = 0; r < ROUNDS; r += 1) {
      durableRounds.push(await load(durableUrl, (r + 60) * 1_000_000));
      const before = usage(ingress.pid!).cpu;
      ingressRounds.push(await load(ingressUrl, (r + 10) * 1_000_000));
      ingressCpu += usage(ingress.pid!).cpu - before;
      console.error(`round ${r + 1}: durable ${round(durableRounds[r]!.rate)} req/s, ingress ${round(ingressRounds[r]!.rate)} req/s`);
    }
    durable.kill('SIGTERM');
    const durableCpu = JSON.parse(await new Promise<string>((res) => durableLines.once('line', res))) as {
      requests: number;
      cpu_us_per_request: number;
    };
    const accepted = warm.accepted + [...ours, ...ingressRounds].reduce((a, r) => a + r.accepted, 0);
    const storedIn = async (stream: 'events' | 'jobs', filter: string) => {
      const info = await bus.jsm.streams.info(topology.streams[stream].name, { subjects_filter: `${namespace}.${filter}` });
      return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    };
    const events = await storedIn('events', 'events.webhook.nms.>');
    const jobs = await storedIn('jobs', 'jobs.default.webhook-process');
    const best = [...ours, ...ingressRounds].reduce((a, b) => (b.rate > a.rate ? b : a));
    const bareBest = Math.max(...base.map((b) => b.rate));
    const durableBest = Math.max(...durableRounds.map((b) => b.rate));
    const ingressAgainstDurable = Math.max(...ingressRounds.map((b) => b.rate));
    return {
      value: round(ingressAgainstDurable),
      unit: 'webhooks/s',
      baseline: round(durableBest),
      ratio: round(ingressAgainstDurable / durableBest, 3),
      ingress_cpu_us_per_webhook: round((ingressCpu * 1e6) / (ROUNDS * REQUESTS), 1),
      durable_cpu_us_per_request: round(durableCpu.cpu_us_per_request, 1),
      bare_baseline: round(bareBest),
      bare_ratio: round(best.rate / bareBest, 3),
      p50_ms: round(best.p50, 2),
      p99_ms: round(best.p99, 2),
      durable_p50_ms: round(durableRounds[0]!.p50, 2),
      bare_p50_ms: round(base[0]!.p50, 2),
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      accepted,
      stored_events: events,
      stored_jobs: jobs,
      lost: accepted - Math.min(events, jobs),
    };
  } finally {
    ingress.kill('SIGTERM');
    bare.kill('SIGTERM');
    if (durable.exitCode === null) durable.kill('SIGTERM');
    // An ingress that failed at start-up has exited already; its exit event will not come again.
    if (ingress.exitCode === null && ingress.signalCode === null) await new Promise((r) => ingress.once('exit', r));
    await deleteNamespace(bus, topology);
    await bus.close();
    await db.drop();
  }
}

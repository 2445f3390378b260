import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { Registry } from 'prom-client';
import { HttpClient } from '@switch-telemetry/http-client';
import { createLogger } from '@switch-telemetry/logging';
import { alternate, rateOf, round, windowed } from './measure';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30_000);
const CONCURRENCY = 50;
const ROUNDS = 5;
const BREAKERS = 10_000;
const CONNECTIONS = 100;

const log = createLogger({ app: 'bench', level: 'warn' });

async function startServer(): Promise<{ url: string; stop: () => void }> {
  // npm run bench runs from the repository root.
  const child = spawn(process.execPath, [resolve(process.cwd(), 'tools', 'bench', 'src', 'http-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).once('line', res);
    child.once('exit', (code) => rej(new Error(`bench server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/status`, stop: () => child.kill('SIGTERM') };
}

function heapMb(): number {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}

/** 10,000 distinct origins (127.1.x.y, nothing listening: refused at once), one breaker each. */
async function breakerHeap(): Promise<{ before: number; after: number; breakers: number }> {
  const client = new HttpClient({ log, maxAttempts: 1, maxBreakers: BREAKERS * 2 });
  const before = heapMb();
  await windowed(BREAKERS, 200, (i) => client.get(`http://127.1.${Math.floor(i / 250)}.${(i % 250) + 1}:9/`).catch(() => undefined));
  const breakers = client.breakerStates().length;
  const after = heapMb();
  await client.close();
  return { before, after, breakers };
}

export async function httpBench(): Promise<Record<string, unknown>> {
  if (!global.gc) throw new Error('run with --expose-gc (npm run bench does)');
  const server = await startServer();
  const agent = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 4_000, headersTimeout: 5_000, bodyTimeout: 5_000 });
  const client = new HttpClient({ log, registry: new Registry(), connectionsPerOrigin: CONNECTIONS });
  try {
    const bare = async () =>
      windowed(REQUESTS, CONCURRENCY, async () => {
        const res = await request(server.url, { dispatcher: agent });
        await res.body.json();
      });
    const ours = async () => windowed(REQUESTS, CONCURRENCY, () => client.get(server.url));
    // Warm both paths (connections, JIT) before measuring.
    await windowed(2_000, CONCURRENCY, async () => (await request(server.url, { dispatcher: agent })).body.json());
    await windowed(2_000, CONCURRENCY, () => client.get(server.url));
    const { base: baseline, ours: value } = await alternate(
      ROUNDS,
      () => rateOf(REQUESTS, bare),
      () => rateOf(REQUESTS, ours),
      (b, o) => `undici ${round(b)} req/s, client ${round(o)} req/s`,
    );
    const heap = await breakerHeap();
    console.error(`${heap.breakers} breakers: heap ${round(heap.before, 1)} MB -> ${round(heap.after, 1)} MB`);
    const best = Math.max(...value);
    const base = Math.max(...baseline);
    return {
      value: round(best),
      unit: 'req/s',
      baseline: round(base),
      ratio: round(best / base, 3),
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      breakers: heap.breakers,
      breaker_heap_mb: round(heap.after - heap.before, 1),
    };
  } finally {
    await client.close();
    await agent.close();
    server.stop();
  }
}

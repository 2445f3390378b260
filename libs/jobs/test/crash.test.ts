import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createJobTestEnv, waitUntil, type JobTestEnv } from '../src/testing';
import { fragileJob } from './fixtures/fragile-job';

const ROOT = resolve(__dirname, '..', '..', '..');
const ACK_WAIT_MS = 1_500;
let env: JobTestEnv;

beforeAll(async () => {
  env = await createJobTestEnv('crash');
});
afterAll(async () => {
  await env.dispose();
});

it('redoes a job on another replica after its ack wait when the process running it is killed', async () => {
  const queue = 'crashy';
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(__dirname, 'fixtures', 'hanging-worker.ts'),
      env.natsUrl,
      env.topology.namespace,
      env.db.url,
      queue,
      String(ACK_WAIT_MS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(signal ?? code)));
  try {
    await waitUntil(() => lines.includes('ready'), 20_000, 'child ready');
    const enqueuer = await env.runtime({ queues: { [queue]: 1 }, ackWaitMs: ACK_WAIT_MS });
    const { id } = await enqueuer.enqueue(fragileJob(queue), { device: 'leaf-01' });
    await waitUntil(() => lines.some((l) => l.startsWith('started')), 10_000, 'child started the job');
    const startedAt = Date.now();
    expect(lines.find((l) => l.startsWith('started'))).toBe(`started ${id} 1`);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const redone: Array<{ id: string; attempt: number; at: number }> = [];
    const survivor = await env.runtime({ queues: { [queue]: 1 }, ackWaitMs: ACK_WAIT_MS });
    survivor.work(fragileJob(queue), async (_args, ctx) => void redone.push({ id: ctx.id, attempt: ctx.attempt, at: Date.now() }));
    await survivor.start();
    await waitUntil(() => redone.length === 1, ACK_WAIT_MS + 5_000, 'job redone');
    expect(redone[0]).toMatchObject({ id, attempt: 2 });
    // Not before the dead process's lease ran out: at least one ack wait after it took the job.
    expect(redone[0]!.at - startedAt).toBeGreaterThanOrEqual(ACK_WAIT_MS - 50);
    expect(await survivor.deadLetters.get(id)).toBeUndefined();
  } finally {
    child.kill('SIGKILL');
  }
});

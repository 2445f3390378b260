// Alerts published on events.alert.session_down → the notifier's production
// bundle → signed webhooks to a local receiver with 4 endpoints, which checks
// every signature with the standardwebhooks package and counts each delivery
// once. The baseline, in the same run: a bare undici POST loop sending the
// same bodies, signed the same way, with the notifier's concurrency, to the
// same receiver.
import { randomBytes } from 'node:crypto';
import { publishJson } from '@switch-telemetry/bus';
import { EndpointRepository, endpointInputSchema } from '@switch-telemetry/notifications';
import { WebhookReceiver } from '@switch-telemetry/notifications/testing';
import { QUEUES } from '@switch-telemetry/contracts';
import { signatureHeaders } from '@switch-telemetry/webhook-signatures';
import { Pool as UndiciPool } from 'undici';
import { alternate, percentile, round, until, windowed } from './measure';
import { metric, usage } from './process';
import { withStack } from './stack';

const ENDPOINTS = 4;
const ALERTS_PER_ROUND = Number(process.env.BENCH_ALERTS ?? 1_000);
const ROUNDS = 3;
/** `webhook-deliver` runs at most this many at once across replicas (the notifications queue); the baseline sends with as many. */
const CONCURRENCY = QUEUES.notifications;

function alert(device: string, n: number) {
  return {
    v: 1,
    device,
    state: 'backoff',
    since: new Date().toISOString(),
    last_update: null,
    restarts: n,
    last_error: null,
    owner: 'bench',
  };
}

export async function notifierBench(): Promise<Record<string, unknown>> {
  return withStack('notifier', async (stack) => {
    const receiver = await WebhookReceiver.start('127.20.9.1');
    const secrets = Array.from({ length: ENDPOINTS }, () => `whsec_${randomBytes(32).toString('base64')}`);
    const repo = new EndpointRepository(stack.db.pool);
    for (const [i, secret] of secrets.entries()) {
      const url = receiver.route(`/hook-${i}`, 'standard', secret);
      await repo.create(endpointInputSchema.parse({ name: `bench-${i}`, url, secret }));
    }
    const app = await stack.app('notifier', { NOTIFIER_ALLOWED_HOSTS: '127.20.9.1' });
    const baselinePool = new UndiciPool(receiver.url, { connections: CONCURRENCY });
    try {
      await app.ready();
      let sent = 0;
      const latencies: number[] = [];

      /** N alerts through the notifier: deliveries per second until every one has reached every endpoint. */
      const ours = async (n: number) => {
        const before = receiver.delivered.size;
        const cpuBefore = usage(app.child.pid!).cpu;
        const started = Date.now();
        await windowed(n, 64, async () => {
          sent += 1;
          await publishJson(stack.bus, stack.topology.subjects.alert('session_down'), alert(`bench-${sent}`, sent), {
            msgId: `bench:${sent}`,
          });
        });
        await until(() => receiver.delivered.size - before >= n * ENDPOINTS, 300_000, `${n * ENDPOINTS} deliveries`);
        const seconds = (Date.now() - started) / 1_000;
        for (const d of [...receiver.delivered.values()].slice(before)) {
          const body = JSON.parse(d.body) as { timestamp: string };
          latencies.push(d.at - Date.parse(body.timestamp));
        }
        return { rate: (n * ENDPOINTS) / seconds, cpuUsPerDelivery: ((usage(app.child.pid!).cpu - cpuBefore) * 1e6) / (n * ENDPOINTS) };
      };

      /** The same number of signed POSTs from a bare undici loop. */
      let baseSeq = 0;
      const baseline = async (n: number) => {
        const total = n * ENDPOINTS;
        const started = Date.now();
        await windowed(total, CONCURRENCY, async (i) => {
          const k = i % ENDPOINTS;
          const body = JSON.stringify({ type: 'session_down', timestamp: new Date().toISOString(), data: alert(`base-${i}`, i) });
          const headers = signatureHeaders('standard', secrets[k]!, body, { id: `msg_base${(baseSeq += 1)}` });
          const res = await baselinePool.request({
            method: 'POST',
            path: `/hook-${k}`,
            body,
            headers: { ...headers, 'content-type': 'application/json' },
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`the receiver answered ${res.statusCode}`);
        });
        return { rate: total / ((Date.now() - started) / 1_000), cpuUsPerDelivery: 0 };
      };

      // Warm both (connections, JIT, the notifier's first queries).
      await baseline(50);
      await ours(50);
      latencies.length = 0;
      const result = await alternate(
        ROUNDS,
        () => baseline(ALERTS_PER_ROUND),
        () => ours(ALERTS_PER_ROUND),
        (b, o) =>
          `baseline ${round(b.rate)} deliveries/s, notifier ${round(o.rate)} deliveries/s (${round(o.cpuUsPerDelivery)} µs CPU each)`,
      );
      const best = Math.max(...result.ours.map((o) => o.rate));
      const baseBest = Math.max(...result.base.map((b) => b.rate));
      const expected = (50 + ROUNDS * ALERTS_PER_ROUND) * ENDPOINTS;
      const delivered = [...receiver.delivered.keys()].filter((id) => !id.startsWith('msg_base')).length;
      latencies.sort((a, b) => a - b);
      // Where a delivery's time goes: the whole job, and the HTTP attempt inside it.
      const mean = async (name: string, labels: string) =>
        ((await metric(app.url, `${name}_sum`, labels)) / (await metric(app.url, `${name}_count`, labels))) * 1_000;
      const jobMs = await mean('job_duration_seconds', 'worker="webhook-deliver"');
      const httpMs = await mean('notifier_delivery_duration_seconds', 'outcome="delivered"');
      return {
        value: round(best),
        unit: 'verified deliveries/s',
        baseline: round(baseBest),
        ratio: round(best / baseBest, 2),
        endpoints: ENDPOINTS,
        alerts: 50 + ROUNDS * ALERTS_PER_ROUND,
        concurrency: CONCURRENCY,
        delivered,
        missing: expected - delivered,
        duplicates: receiver.duplicates,
        bad_signatures: receiver.badSignatures,
        notifier_cpu_us_per_delivery: round(Math.min(...result.ours.map((o) => o.cpuUsPerDelivery))),
        alert_to_receiver_ms_p50: round(percentile(latencies, 50)),
        alert_to_receiver_ms_p99: round(percentile(latencies, 99)),
        job_ms_mean: round(jobMs, 2),
        http_ms_mean: round(httpMs, 2),
      };
    } finally {
      await baselinePool.close();
      await receiver.close();
    }
  });
}

// The ingress bench's durable baseline: a bare node:http server that, per
// request, does the two JetStream publishes the ingress does (the event and
// the job, each with its msg-id, with the project's own publisher) and
// answers 202 after both acknowledgements: the cost of durability itself,
// without verification, validation, routing or the job runtime.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { connectBus } from '@switch-telemetry/bus';
import { createLogger } from '@switch-telemetry/logging';

/** Runs until SIGTERM (`main.js ingress-durable <nats> <namespace>`); prints its port, then its CPU per request on exit. */
export async function durableServerMain(args: string[]): Promise<void> {
  const [natsUrl, namespace] = args as [string, string];
  const bus = await connectBus({ servers: natsUrl, name: 'bench-durable', log: createLogger({ app: 'bench', level: 'warn' }) });
  // Subjects of its own, so the ingress's stored counts stay the ingress's.
  const eventSubject = `${namespace}.events.webhook.durable.device.updated`;
  const jobSubject = `${namespace}.jobs.default.durable-process`;
  const answerHeaders = { 'content-type': 'application/json' };
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const id = `wh-nms-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
      const event = { v: 1, source: 'nms', delivery_id: id, event: 'device.updated', received_at: new Date().toISOString(), payload };
      const job = {
        v: 1,
        id,
        queue: 'default',
        worker: 'webhook-process',
        args: { source: 'nms', deliveryId: id, event: 'device.updated', payload },
        attempt: 0,
        maxAttempts: 5,
        snoozes: 0,
        errors: [],
        enqueuedAt: event.received_at,
      };
      Promise.all([
        bus.publish(eventSubject, Buffer.from(JSON.stringify(event)), { msgId: id, headers: { 'Content-Type': 'application/json' } }),
        bus.publish(jobSubject, Buffer.from(JSON.stringify(job)), { msgId: id }),
      ]).then(
        () => {
          requests += 1;
          res.writeHead(202, answerHeaders).end(JSON.stringify({ status: 'accepted', id }));
        },
        () => res.writeHead(503).end(),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  const before = process.cpuUsage();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  await new Promise<void>((r) => process.once('SIGTERM', r));
  const cpu = process.cpuUsage(before);
  process.stdout.write(`${JSON.stringify({ requests, cpu_us_per_request: (cpu.user + cpu.system) / Math.max(1, requests) })}\n`);
  server.close();
  await bus.close();
}

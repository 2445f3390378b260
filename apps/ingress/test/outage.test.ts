import { createHmac } from 'node:crypto';
import { PrivateNatsServer } from '@switch-telemetry/bus/testing';
import { SECRETS, startIngress, type Ingress } from './harness';

const sign = (body: string) => createHmac('sha256', SECRETS.hex).update(body).digest('hex');

let nats: PrivateNatsServer;
let ingress: Ingress;
beforeAll(async () => {
  nats = await PrivateNatsServer.start();
  ingress = await startIngress({ natsUrl: nats.url });
});
afterAll(async () => {
  await ingress.close();
  await nats.dispose();
});

async function deliver(n: number): Promise<Response> {
  const body = JSON.stringify({ event: 'device.updated', n });
  return fetch(`${ingress.url}/v1/webhooks/nms`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-webhook-signature': sign(body) },
  });
}

it('answers 503 with Retry-After while NATS is down, never 202, and stores every delivery once it is back', async () => {
  const accepted = new Set<number>();
  expect((await deliver(0)).status).toBe(202);
  accepted.add(0);

  await nats.stop();
  for (let n = 1; n <= 5; n += 1) {
    const res = await deliver(n);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  }

  await nats.resume();
  // The sender retries as told; every retry that gets a 202 must be stored.
  const deadline = Date.now() + 15_000;
  for (let n = 1; n <= 5; n += 1) {
    for (;;) {
      const res = await deliver(n);
      if (res.status === 202) break;
      expect(res.status).toBe(503);
      if (Date.now() > deadline) throw new Error('NATS did not come back in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    accepted.add(n);
  }
  expect(await ingress.count('events', 'events.webhook.nms.device.updated')).toBe(accepted.size);
  expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(accepted.size);
});

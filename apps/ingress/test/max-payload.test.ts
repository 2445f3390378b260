import { createHmac } from 'node:crypto';
import { PrivateNatsServer } from '@switch-telemetry/bus/testing';
import { MaxPayloadTooSmallError, WEBHOOK_ENVELOPE_RESERVE_BYTES, webhookBodyLimit } from '../src/webhooks';
import { SECRETS, TOKENS, startIngress, type Ingress } from './harness';

// A server that takes less than the configured body limit once the envelope
// is added: what a 1 MiB body meets on NATS's default 1 MiB max_payload.
const MAX_PAYLOAD_BYTES = 128 * 1024;
const CONFIGURED_BYTES = 128 * 1024;
const sign = (body: string) => createHmac('sha256', SECRETS.hex).update(body).digest('hex');
const padded = (bytes: number) => {
  const head = '{"event":"device.updated","pad":"';
  return `${head}${'y'.repeat(bytes - head.length - 2)}"}`;
};

let nats: PrivateNatsServer;
let ingress: Ingress;
beforeAll(async () => {
  nats = await PrivateNatsServer.start({ config: `max_payload: ${MAX_PAYLOAD_BYTES}\n` });
  ingress = await startIngress({ natsUrl: nats.url, bodyLimitBytes: CONFIGURED_BYTES });
});
afterAll(async () => {
  await ingress.close();
  await nats.dispose();
});

function deliver(body: string): Promise<Response> {
  return fetch(`${ingress.url}/v1/webhooks/nms`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-webhook-signature': sign(body) },
  });
}

describe('webhook bodies against NATS max_payload', () => {
  const limit = MAX_PAYLOAD_BYTES - WEBHOOK_ENVELOPE_RESERVE_BYTES;

  it('reads max_payload from the server it is connected to', () => {
    expect(ingress.bus.nc.info?.max_payload).toBe(MAX_PAYLOAD_BYTES);
  });

  it('answers 413 (not 503) to a body within the configured limit that NATS would refuse once wrapped', async () => {
    // Wrapped, this body is more than max_payload: without the derived limit, a 503 every time.
    const res = await deliver(padded(CONFIGURED_BYTES - 64));
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toMatchObject({ type: '/problems/too-large', detail: expect.stringContaining(String(limit)) });
    expect((await deliver(padded(limit + 1))).status).toBe(413);
    expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(0);
  });

  it('stores a body right at the derived limit, event and job both', async () => {
    const res = await deliver(padded(limit));
    expect(res.status).toBe(202);
    expect(await ingress.count('events', 'events.webhook.nms.device.updated')).toBe(1);
    expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(1);
  });

  it('answers 413 to a body under the limit that JSON.stringify would write out longer than NATS takes', async () => {
    // 1e20 is 4 bytes here and 21 digits once stored.
    const numbers = `{"event":"device.updated","n":[${Array.from({ length: Math.floor(limit / 6) }, () => '1e20').join(',')}]}`;
    expect(numbers.length).toBeLessThan(limit);
    expect((await deliver(numbers)).status).toBe(413);
  });
});

describe('webhookBodyLimit', () => {
  it('takes the smaller of the configured limit and max_payload less the reserve', () => {
    expect(webhookBodyLimit(1_048_576, 1_048_576)).toBe(1_048_576 - WEBHOOK_ENVELOPE_RESERVE_BYTES);
    expect(webhookBodyLimit(65_536, 8 * 1_048_576)).toBe(65_536);
    expect(webhookBodyLimit(65_536, undefined)).toBe(65_536);
  });

  it('refuses to start when max_payload leaves no room for a body', () => {
    expect(() => webhookBodyLimit(65_536, WEBHOOK_ENVELOPE_RESERVE_BYTES)).toThrow(MaxPayloadTooSmallError);
  });
});

describe('REST bodies against NATS max_payload', () => {
  const limit = MAX_PAYLOAD_BYTES - WEBHOOK_ENVELOPE_RESERVE_BYTES;
  const post = (body: string) =>
    fetch(`${ingress.url}/v1/devices`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.admin}` },
    });

  it('answers 413 to a device body the outbox could never publish, and reads one within the limit', async () => {
    const big = (bytes: number) => `{"id":"big","pad":"${'y'.repeat(bytes - 21)}"}`;
    expect(big(limit + 1).length).toBe(limit + 1);
    const refused = await post(big(limit + 1));
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ type: '/problems/too-large', detail: expect.stringContaining(String(limit)) });
    // Within the limit the body is read, and judged on what it says.
    expect((await post(big(limit))).status).toBe(400);
  });
});

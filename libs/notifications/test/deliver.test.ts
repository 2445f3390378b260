import { createHmac, randomBytes } from 'node:crypto';
import { ConnectionError, HttpStatusError, ResponseTooLargeError, TimeoutError } from '@switch-telemetry/http-client';
import { Webhook } from 'standardwebhooks';
import { USER_AGENT, deliveryHeaders, verdictOf } from '../src/deliver';
import { deliveryIdOf, type DeliveryToSend } from '../src/deliveries';

const body = JSON.stringify({ type: 'session_down', timestamp: '2026-11-27T10:00:00.000Z', data: { v: 1, device: 'leaf-1' } });
const delivery = (scheme: 'standard' | 'hex' | 'github', secrets: string[]): DeliveryToSend => ({
  id: deliveryIdOf('down:leaf-1:backoff:x:1', '9b6f1e0c-1111-4222-8333-444455556666'),
  type: 'session_down',
  body,
  state: 'pending',
  endpoint: { id: 'e', name: 'e', url: 'https://example.com/hook', scheme, secrets, enabled: true, disabledReason: null, failing: false },
});

describe('what an attempt ends as', () => {
  it.each([
    [new HttpStatusError(500, '', 'o'), 'retry'],
    [new HttpStatusError(503, '', 'o', 2_000), 'retry'],
    [new HttpStatusError(408, '', 'o'), 'retry'],
    [new HttpStatusError(425, '', 'o'), 'retry'],
    [new HttpStatusError(429, '', 'o'), 'retry'],
    [new HttpStatusError(410, '', 'o'), 'gone'],
    [new HttpStatusError(400, '', 'o'), 'permanent'],
    [new HttpStatusError(401, '', 'o'), 'permanent'],
    [new HttpStatusError(404, '', 'o'), 'permanent'],
    [new HttpStatusError(301, '', 'o'), 'permanent'],
    [new TimeoutError('o', 'headers'), 'retry'],
    [new ConnectionError('o', 'connect'), 'retry'],
    [new ConnectionError('o', 'socket'), 'retry'],
    [new ResponseTooLargeError('o'), 'permanent'],
  ])('%s → %s', (error, verdict) => {
    expect(verdictOf(error)).toBe(verdict);
  });
});

describe('the signed request', () => {
  const nowS = Math.floor(Date.now() / 1_000);

  it('carries Standard Webhooks headers that the standardwebhooks package verifies, and names the product', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const d = delivery('standard', [secret]);
    const headers = deliveryHeaders(d, nowS);
    expect(headers).toMatchObject({ 'webhook-id': d.id, 'webhook-timestamp': String(nowS), 'user-agent': USER_AGENT });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it.each([
    ['a 24-byte key', `whsec_${Buffer.alloc(24, 7).toString('base64')}`, 'msg_1', 1_614_265_330, '{"test": 2432232314}'],
    ['a 64-byte key', `whsec_${Buffer.alloc(64, 200).toString('base64')}`, 'msg_2', 1_700_000_000, body],
    ['a non-ASCII body', `whsec_${Buffer.alloc(32, 1).toString('base64')}`, 'msg_3', 1_800_000_000, '{"name":"Zürich–spine ✓"}'],
  ])('signs exactly as the standardwebhooks package does, for %s', (_name, secret, id, ts, payload) => {
    const d: DeliveryToSend = { ...delivery('standard', [secret]), id, body: payload };
    expect(deliveryHeaders(d, ts)['webhook-signature']).toBe(new Webhook(secret).sign(id, new Date(ts * 1_000), payload));
  });

  it('signs hex and github bodies with the endpoint secret and names the delivery in their id headers', () => {
    const secret = 'hex-or-github-secret-0001';
    const mac = createHmac('sha256', secret).update(body).digest('hex');
    expect(deliveryHeaders(delivery('hex', [secret]), nowS)).toMatchObject({
      'x-webhook-signature': mac,
      'x-webhook-id': expect.stringMatching(/^msg_/),
    });
    expect(deliveryHeaders(delivery('github', [secret]), nowS)).toMatchObject({
      'x-hub-signature-256': `sha256=${mac}`,
      'x-github-delivery': expect.stringMatching(/^msg_/),
      'x-github-event': 'session_down',
    });
  });

  it('derives the delivery id from the alert and the endpoint, so a repeat of the alert is the same delivery', () => {
    expect(deliveryIdOf('a', 'e1')).toBe(deliveryIdOf('a', 'e1'));
    expect(deliveryIdOf('a', 'e1')).not.toBe(deliveryIdOf('a', 'e2'));
    expect(deliveryIdOf('a', 'e1')).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

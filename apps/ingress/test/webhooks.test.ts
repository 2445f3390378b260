import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { MAX_JSON_DEPTH } from '../src/input';
import { SECRETS, startIngress, type Ingress } from './harness';

// Signatures come from outside the code under test: node's HMAC written out
// for hex and github, the standardwebhooks package for standard.
const hex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const std = new Webhook(SECRETS.standard);
const json = async (res: Response) => (await res.json()) as { id?: string; detail?: string; type?: string; status?: number };

let ingress: Ingress;
beforeAll(async () => {
  ingress = await startIngress({ bodyLimitBytes: 64 * 1024 });
});
afterAll(() => ingress.close());

function post(source: string, body: string, headers: Record<string, string>) {
  return fetch(`${ingress.url}/v1/webhooks/${source}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const created = (id: string) =>
  JSON.stringify({ event: 'device.created', device: { id, name: id, protocol: 'gnmi', address: '127.10.0.9', port: 57400 } });

describe('POST /v1/webhooks/:source', () => {
  it('answers 202 for the hex scheme once the event and the job are in JetStream', async () => {
    const body = created('leaf-hex');
    const res = await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hex, body) });
    expect(res.status).toBe(202);
    const answer = await res.json();
    expect(answer).toEqual({ status: 'accepted', id: expect.stringMatching(/^webhook-process-[0-9a-f]{24}-\d+$/), duplicate: false });
    expect(await ingress.count('events', 'events.webhook.nms.device.created')).toBe(1);
    expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(1);
  });

  it('accepts a signature made with the previous secret (rotation)', async () => {
    const body = created('leaf-rotated');
    expect((await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hexOld, body) })).status).toBe(202);
  });

  it('answers 202 for the github scheme', async () => {
    const body = created('leaf-gh');
    expect((await post('gh', body, { 'x-hub-signature-256': `sha256=${hex(SECRETS.github, body)}` })).status).toBe(202);
  });

  it('answers 202 for Standard Webhooks and processes a repeated delivery once', async () => {
    const body = created('leaf-std');
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_repeat_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
      'webhook-signature': std.sign('msg_repeat_1', at, body),
    };
    const before = await ingress.count('jobs', 'jobs.default.webhook-process');
    const first = await post('std', body, headers);
    const again = await post('std', body, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const [a, b] = [(await first.json()) as { id: string; duplicate: boolean }, (await again.json()) as { id: string; duplicate: boolean }];
    expect(b).toEqual({ status: 'accepted', id: a.id, duplicate: true });
    expect(a.duplicate).toBe(false);
    const metrics = await ingress.registry.getSingleMetricAsString('webhook_deliveries_total');
    expect(metrics).toContain('webhook_deliveries_total{source="std",stage="ingress",outcome="duplicate"} 1');
    expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(before + 1);
    expect(await ingress.count('events', 'events.webhook.std.device.created')).toBe(1);
  });

  it('answers 400 to a delivery id header that is not an id, naming the header', async () => {
    const body = created('leaf-bad-id');
    const res = await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hex, body), 'x-webhook-id': 'id with spaces' });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      type: expect.stringContaining('bad-delivery-id'),
      detail: expect.stringContaining('x-webhook-id'),
    });
  });

  it('answers 401 to a Standard Webhooks replay outside the 5 minute tolerance', async () => {
    const body = created('leaf-old');
    const at = new Date(Date.now() - 10 * 60_000);
    const res = await post('std', body, {
      'webhook-id': 'msg_old',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
      'webhook-signature': std.sign('msg_old', at, body),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await json(res)).detail).toContain('more than 300 s from now');
  });

  it.each([
    ['a wrong signature', { 'x-webhook-signature': 'a'.repeat(64) }],
    ['no signature', {}],
    ['a signature of other bytes', { 'x-webhook-signature': hex(SECRETS.hex, created('other')) }],
  ])('answers 401 to %s', async (_what, headers) => {
    const res = await post('nms', created('leaf-x'), headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: '/problems/bad-signature', status: 401 });
  });

  it.each([
    ['a body that is not JSON', '{"event":"device.created",'],
    ['JSON without an event', '{"device":{}}'],
    ['an array', '[1,2,3]'],
    ['an event that is not a dotted name', '{"event":"device created"}'],
  ])('answers 400 to a signed delivery with %s', async (_what, body) => {
    const res = await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hex, body) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each([10_000, 30_000])('answers 400 too-deep, naming the limit, to a signed payload nested %i levels (never 503)', async (levels) => {
    const body = `{"event":"device.updated","device":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const res = await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hex, body) });
    expect(res.status).toBe(400);
    const problem = await json(res);
    expect(problem.type).toBe('/problems/too-deep');
    expect(problem.detail).toContain(String(MAX_JSON_DEPTH));
  });

  it.each([
    ['NUL in a value', { event: 'device.created', device: { id: 'leaf-nul', name: 'a\u0000b' } }, 'body.device.name'],
    [
      'a bidi override in an array item',
      { event: 'device.created', device: { id: 'leaf-bidi', subscriptions: [{ name: 'x\u202ey' }] } },
      'body.device.subscriptions.0.name',
    ],
    ['a C1 control in a key', { event: 'device.created', device: { id: 'leaf-key', ['k\u009b']: 1 } }, 'body.device'],
    ['an unpaired surrogate', { event: 'device.created', device: { id: '\udc00' } }, 'body.device.id'],
  ])('answers 400 naming the field to a signed payload with %s, and stores nothing', async (_what, payload, field) => {
    const before = await ingress.count('jobs', 'jobs.default.webhook-process');
    const body = JSON.stringify(payload);
    const res = await post('nms', body, { 'x-webhook-signature': hex(SECRETS.hex, body) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, errors: [{ field }] });
    expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(before);
  });

  it('answers 413 over the size limit, 415 when not JSON, 404 for an unknown source', async () => {
    const big = JSON.stringify({ event: 'x', pad: 'y'.repeat(70 * 1024) });
    const tooBig = await post('nms', big, { 'x-webhook-signature': hex(SECRETS.hex, big) });
    expect(tooBig.status).toBe(413);
    expect(await json(tooBig)).toMatchObject({ type: '/problems/too-large', detail: expect.stringContaining(String(64 * 1024)) });
    const text = await fetch(`${ingress.url}/v1/webhooks/nms`, {
      method: 'POST',
      body: 'event=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toContain('application/problem+json');
    expect((await post('nobody', created('x'), {})).status).toBe(404);
  });
});

import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { SECRETS, TOKENS, startIngress, workWebhooks, type Ingress } from './harness';

// A webhook sent again, end to end: the ingress answers whether it is a
// repeat, the worker (the discovery app's, here in the test process) applies
// each change once and in order. The streams' duplicate window and the
// content window are shortened to WINDOW_MS so "later" fits in a test.

const WINDOW_MS = 1_500;
let ingress: Ingress;
let devices: DeviceRepository;

beforeAll(async () => {
  ingress = await startIngress({ duplicateWindowMs: WINDOW_MS });
  devices = new DeviceRepository(ingress.db.pool);
  workWebhooks(ingress, { contentWindowMs: WINDOW_MS });
  await ingress.jobs.start();
});
afterAll(() => ingress.close());

interface Accepted {
  status: string;
  id: string;
  duplicate: boolean;
}

const created = (id: string, port: number) =>
  JSON.stringify({ event: 'device.created', device: { id, name: id, protocol: 'gnmi', address: '127.10.3.1', port } });

async function hexDelivery(body: string, headers: Record<string, string> = {}): Promise<Accepted> {
  const signature = createHmac('sha256', SECRETS.hex).update(body).digest('hex');
  const res = await fetch(`${ingress.url}/v1/webhooks/nms`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-webhook-signature': signature, ...headers },
  });
  expect(res.status).toBe(202);
  return (await res.json()) as Accepted;
}

async function counted(stage: string, outcome: string, source = 'nms'): Promise<number> {
  const values = (await ingress.registry.getSingleMetric('webhook_deliveries_total')!.get()).values;
  return values.find((v) => v.labels.source === source && v.labels.stage === stage && v.labels.outcome === outcome)?.value ?? 0;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('an identical body twice within the window is answered as a repeat and applied once', async () => {
  const body = created('leaf-twice', 57401);
  const first = await hexDelivery(body);
  const again = await hexDelivery(body);
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ status: 'accepted', id: first.id, duplicate: true });
  await until(async () => (await counted('worker', 'applied')) >= 1, 'applied');
  expect(await devices.get('leaf-twice')).toBeDefined();
  expect(await counted('ingress', 'duplicate')).toBe(1);
});

it('create, delete through the API, then the very same create after the window: the device exists again', async () => {
  const body = created('leaf-readded', 57402);
  const first = await hexDelivery(body);
  await until(async () => (await devices.get('leaf-readded')) !== undefined, 'created');
  const deleted = await fetch(`${ingress.url}/v1/devices/leaf-readded`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${TOKENS.admin}` },
  });
  expect(deleted.status).toBe(204);

  await sleep(WINDOW_MS + 200);
  const readded = await hexDelivery(body);
  expect(readded.duplicate).toBe(false);
  expect(readded.id).not.toBe(first.id);
  await until(async () => (await devices.get('leaf-readded')) !== undefined, 'created again');
});

it('a Standard Webhooks id sent again after the streams’ window is still a repeat: the worker remembers it and counts it', async () => {
  const std = new Webhook(SECRETS.standard);
  const send = async (name: string) => {
    const body = JSON.stringify({
      event: 'device.created',
      device: { id: 'leaf-std-later', name, protocol: 'gnmi', address: '127.10.3.2', port: 57400 },
    });
    const at = new Date();
    const res = await fetch(`${ingress.url}/v1/webhooks/std`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_sent_again',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
        'webhook-signature': std.sign('msg_sent_again', at, body),
      },
    });
    expect(res.status).toBe(202);
    return (await res.json()) as Accepted;
  };
  expect((await send('first')).duplicate).toBe(false);
  await until(async () => (await devices.get('leaf-std-later')) !== undefined, 'created');
  await sleep(WINDOW_MS + 200);
  // Past the streams' window the ingress cannot tell; the worker can.
  expect((await send('sent again')).duplicate).toBe(false);
  await until(async () => (await counted('worker', 'duplicate', 'std')) === 1, 'the repeat counted by the worker');
  expect((await devices.get('leaf-std-later'))?.name).toBe('first');
});

it('an x-webhook-id makes an equal body a new change when the sender says so, and keeps its repeats out', async () => {
  const port = 57403;
  const body = created('leaf-resent', port);
  const first = await hexDelivery(body, { 'x-webhook-id': 'change-1' });
  await until(async () => (await devices.get('leaf-resent')) !== undefined, 'created');
  await fetch(`${ingress.url}/v1/devices/leaf-resent`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKENS.admin}` } });
  // Sent on purpose again at once, with a new id: not a repeat, even inside the window.
  const resent = await hexDelivery(body, { 'x-webhook-id': 'change-2' });
  expect(resent.duplicate).toBe(false);
  expect(resent.id).not.toBe(first.id);
  await until(async () => (await devices.get('leaf-resent')) !== undefined, 'created again');
  expect((await hexDelivery(body, { 'x-webhook-id': 'change-2' })).duplicate).toBe(true);
});

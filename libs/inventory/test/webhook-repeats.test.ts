import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createTopology } from '@switch-telemetry/bus';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import type { JobContext, JobRuntime } from '@switch-telemetry/jobs';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import {
  DeviceRepository,
  WEBHOOK_CONTENT_WINDOW_MS,
  WEBHOOK_DELIVERY_RETENTION_MS,
  pruneWebhookMemory,
  webhookProcessor,
  type WebhookArgs,
} from '../src';

// The worker's memory of deliveries and its per-device order, run against a
// real database with the clock simulated through the arrival times the
// ingress would have written (receivedAt), each call as a job of its own.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const log = createLogger({ app: 'test', level: 'silent' });
let db: TestDatabase;
let devices: DeviceRepository;
let registry: Registry;
let handle: ReturnType<typeof webhookProcessor>;

beforeAll(async () => {
  db = await createTestDatabase();
  devices = new DeviceRepository(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => {
  registry = new Registry();
  // Discovery requests are not exercised here; nothing else of the runtime is used.
  handle = webhookProcessor({ pool: db.pool, topology: createTopology(), jobs: {} as JobRuntime, registry });
});

function job(id = randomUUID()): JobContext {
  return { id, attempt: 1, maxAttempts: 5, signal: new AbortController().signal, log, working: () => undefined };
}

// Each device its own address (address and port are unique in the inventory).
const addresses = new Map<string, string>();
const addressOf = (id: string) => addresses.get(id) ?? addresses.set(id, `127.10.2.${addresses.size + 1}`).get(id)!;
const device = (id: string, name = id) => ({ id, name, protocol: 'gnmi', address: addressOf(id), port: 57400 });
const at = (ms: number) => new Date(ms).toISOString();

function delivery(
  deliveryId: string,
  event: 'device.created' | 'device.updated' | 'device.deleted',
  body: Record<string, unknown>,
  extra: Partial<WebhookArgs> = {},
): WebhookArgs {
  return { source: 'nms', deliveryId, event, payload: { event, ...body }, identity: 'sender', receivedAt: at(Date.now()), ...extra };
}

async function counted(stage: string, outcome: string): Promise<number> {
  const metric = (await registry.getSingleMetric('webhook_deliveries_total')!.get()).values;
  return metric.filter((v) => v.labels.stage === stage && v.labels.outcome === outcome).reduce((a, v) => a + v.value, 0);
}

async function upsertEvents(id: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM outbox WHERE subject = 'events.device.upserted' AND headers->>'device' = $1`,
    [id],
  );
  return Number(rows[0]!.n);
}

async function outcomeOf(deliveryId: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ outcome: string }>(
    `SELECT outcome FROM webhook_deliveries WHERE source = 'nms' AND delivery_id = $1`,
    [deliveryId],
  );
  return rows[0]?.outcome;
}

describe('content-derived identities', () => {
  const body = { device: device('leaf-content') };
  const content = (receivedAtMs: number) =>
    delivery('c0ffee', 'device.created', body, { identity: 'content', receivedAt: at(receivedAtMs) });

  it('apply an equal body once within the window, and again after a deletion once the window is over', async () => {
    const t0 = Date.now();
    await handle(content(t0), job());
    await handle(content(t0 + MINUTE), job());
    expect(await upsertEvents('leaf-content')).toBe(1);
    expect(await counted('worker', 'duplicate')).toBe(1);

    // The API deletes it; the sender adds it again later with the very same body.
    expect(await devices.delete('leaf-content')).toBe(true);
    await handle(content(t0 + WEBHOOK_CONTENT_WINDOW_MS + MINUTE), job());
    expect(await devices.get('leaf-content')).toMatchObject({ name: 'leaf-content' });
    expect(await upsertEvents('leaf-content')).toBe(2);
    expect(await counted('worker', 'applied')).toBe(2);
  });
});

describe('sender-given identities', () => {
  it('are repeats for the whole retention, and new after it', async () => {
    const t0 = Date.now();
    const created = (receivedAtMs: number, name: string) =>
      delivery('msg_sender_1', 'device.created', { device: device('leaf-sender', name) }, { receivedAt: at(receivedAtMs) });
    await handle(created(t0, 'first'), job());
    await handle(created(t0 + DAY, 'a day later'), job());
    await handle(created(t0 + WEBHOOK_DELIVERY_RETENTION_MS - MINUTE, 'just inside'), job());
    expect((await devices.get('leaf-sender'))?.name).toBe('first');
    expect(await counted('worker', 'duplicate')).toBe(2);

    await handle(created(t0 + WEBHOOK_DELIVERY_RETENTION_MS + MINUTE, 'after the retention'), job());
    expect((await devices.get('leaf-sender'))?.name).toBe('after the retention');
  });

  it('a job run again after it committed (its acknowledgement lost) changes nothing and is not a repeat of the sender', async () => {
    const args = delivery('msg_redelivered', 'device.created', { device: device('leaf-redelivered') });
    const ctx = job();
    await handle(args, ctx);
    await handle(args, ctx);
    expect(await upsertEvents('leaf-redelivered')).toBe(1);
    expect(await counted('worker', 'applied')).toBe(1);
    expect(await counted('worker', 'duplicate')).toBe(0);
  });

  it('a job stored before deliveries had an identity and an arrival time is remembered as the sender’s', async () => {
    const old = {
      source: 'nms',
      deliveryId: 'msg_old_format',
      event: 'device.created',
      payload: { event: 'device.created', device: device('leaf-old') },
    };
    await handle(old, job());
    await handle(old, job());
    expect(await upsertEvents('leaf-old')).toBe(1);
    const { rows } = await db.pool.query(
      `SELECT identity, expires_at - received_at AS kept FROM webhook_deliveries WHERE delivery_id = 'msg_old_format'`,
    );
    expect(rows[0]).toMatchObject({ identity: 'sender', kept: { days: 7 } });
  });
});

describe('order per device', () => {
  const t0 = Date.now();
  const updated = (id: string, name: string, extra: Partial<WebhookArgs> & { timestamp?: string }) => {
    const { timestamp, ...rest } = extra;
    return delivery(id, 'device.updated', { device: device('leaf-order', name), ...(timestamp ? { timestamp } : {}) }, rest);
  };

  it("an older change by the payload's timestamp arriving after a newer one is recorded as superseded, not applied", async () => {
    await handle(updated('u2', 'newer', { timestamp: at(t0 - MINUTE) }), job());
    await handle(updated('u1', 'older, retried late', { timestamp: at(t0 - 2 * MINUTE) }), job());
    expect((await devices.get('leaf-order'))?.name).toBe('newer');
    expect(await outcomeOf('u1')).toBe('superseded');
    expect(await outcomeOf('u2')).toBe('applied');
    expect(await counted('worker', 'superseded')).toBe(1);
    // A repeat of the superseded delivery is a repeat, not a second chance.
    await handle(updated('u1', 'older, retried late', { timestamp: at(t0 - 2 * MINUTE) }), job());
    expect(await counted('worker', 'duplicate')).toBe(1);
  });

  it('without a payload timestamp, orders by the sender’s send time (webhook-timestamp), then by arrival', async () => {
    await handle(updated('s2', 'sent second', { sentAt: at(t0 + MINUTE) }), job());
    await handle(updated('s1', 'sent first', { sentAt: at(t0 + 30_000) }), job());
    expect((await devices.get('leaf-order'))?.name).toBe('sent second');
    await handle(updated('a2', 'arrived second', { receivedAt: at(t0 + 3 * MINUTE) }), job());
    await handle(updated('a1', 'arrived first', { receivedAt: at(t0 + 2 * MINUTE) }), job());
    expect((await devices.get('leaf-order'))?.name).toBe('arrived second');
    expect(await outcomeOf('s1')).toBe('superseded');
    expect(await outcomeOf('a1')).toBe('superseded');
  });

  it('a deletion is a change too: an older create cannot bring the device back, and an API change is never rolled back', async () => {
    const id = 'leaf-tombstone';
    await handle(delivery('d2', 'device.deleted', { device: { id }, timestamp: at(t0 - MINUTE) }), job());
    await handle(delivery('d1', 'device.created', { device: device(id), timestamp: at(t0 - 2 * MINUTE) }), job());
    expect(await devices.get(id)).toBeUndefined();
    expect(await outcomeOf('d1')).toBe('superseded');

    // The API's change is stamped with its own time: a webhook change made before it is superseded.
    await devices.upsert(deviceInputSchema.parse(device(id, 'by the API')));
    await handle(delivery('d3', 'device.updated', { device: device(id, 'made before the API'), timestamp: at(t0 - 30_000) }), job());
    expect((await devices.get(id))?.name).toBe('by the API');
    await handle(delivery('d4', 'device.updated', { device: device(id, 'made after the API'), timestamp: at(Date.now() + MINUTE) }), job());
    expect((await devices.get(id))?.name).toBe('made after the API');
  });
});

it('refuses a change stamped well after its own arrival (a sender clock far ahead would block every later change)', async () => {
  const ahead = delivery('future', 'device.created', { device: device('leaf-future'), timestamp: at(Date.now() + 10 * MINUTE) });
  expect(await handle(ahead, job())).toEqual({ discard: expect.stringContaining("the sender's clock is wrong") });
  expect(await devices.get('leaf-future')).toBeUndefined();
  expect(await counted('worker', 'discarded')).toBe(1);
});

it('API changes and webhook changes of one device at the same time all finish, in some order, without a deadlock', async () => {
  const id = 'leaf-contended';
  await devices.upsert(deviceInputSchema.parse(device(id, 'start')));
  const t0 = Date.now();
  const results = await Promise.allSettled([
    ...Array.from({ length: 60 }, (_, i) => devices.upsert(deviceInputSchema.parse(device(id, `api ${i}`)))),
    ...Array.from({ length: 60 }, (_, i) =>
      handle(delivery(`contended-${i}`, 'device.updated', { device: device(id, `webhook ${i}`), timestamp: at(t0 + i) }), job()),
    ),
    ...Array.from({ length: 5 }, (_, i) => devices.update(id, { name: `patch ${i}` })),
  ]);
  expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  expect(await devices.get(id)).toBeDefined();
});

describe('pruning', () => {
  it('removes only deliveries past their memory and marks of devices deleted longer ago than the retention', async () => {
    await db.pool.query(`DELETE FROM webhook_deliveries`);
    await db.pool.query(`DELETE FROM device_change_marks`);
    await db.pool.query(
      `INSERT INTO webhook_deliveries (source, delivery_id, event, identity, received_at, expires_at) VALUES
         ('nms', 'content-expired', 'device.created', 'content', now() - interval '10 minutes', now() - interval '5 minutes'),
         ('nms', 'content-live', 'device.created', 'content', now() - interval '1 minute', now() + interval '4 minutes'),
         ('nms', 'sender-expired', 'device.created', 'sender', now() - interval '8 days', now() - interval '1 day'),
         ('nms', 'sender-live', 'device.created', 'sender', now() - interval '6 days', now() + interval '1 day')`,
    );
    await db.pool.query(
      `INSERT INTO device_change_marks (device_id, changed_at, deleted, recorded_at) VALUES
         ('gone-long-ago', now() - interval '8 days', true, now() - interval '8 days'),
         ('gone-recently', now() - interval '1 day', true, now() - interval '1 day'),
         ('alive-long', now() - interval '30 days', false, now() - interval '30 days')`,
    );
    expect(await pruneWebhookMemory(db.pool, { retentionMs: WEBHOOK_DELIVERY_RETENTION_MS })).toEqual({ deliveries: 2, marks: 1 });
    const left = await db.pool.query<{ delivery_id: string }>(`SELECT delivery_id FROM webhook_deliveries ORDER BY delivery_id`);
    expect(left.rows.map((r) => r.delivery_id)).toEqual(['content-live', 'sender-live']);
    const marks = await db.pool.query<{ device_id: string }>(`SELECT device_id FROM device_change_marks ORDER BY device_id`);
    expect(marks.rows.map((r) => r.device_id)).toEqual(['alive-long', 'gone-recently']);
    expect(await pruneWebhookMemory(db.pool, { retentionMs: WEBHOOK_DELIVERY_RETENTION_MS })).toEqual({ deliveries: 0, marks: 0 });
  });
});

import { createJobTestEnv, waitUntil, type JobTestEnv } from '@switch-telemetry/jobs/testing';
import type { JobRuntime } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { OutboxRelay } from '@switch-telemetry/outbox';
import { DeviceRepository, webhookProcessJob, webhookProcessor } from '../src';

let env: JobTestEnv;
let runtime: JobRuntime;
let relay: OutboxRelay;
const events: Array<{ subject: string; body: { event: string; id?: string; device?: { id: string; name: string } } }> = [];

beforeAll(async () => {
  env = await createJobTestEnv('wh');
  runtime = await env.runtime({ queues: { default: 4, discovery: 1 } });
  relay = new OutboxRelay({ pool: env.db.pool, bus: env.bus, log: createLogger({ app: 'test', level: 'silent' }), pollMs: 5_000 });
  relay.start();
  runtime.work(
    webhookProcessJob,
    webhookProcessor({ pool: env.db.pool, topology: env.topology, jobs: runtime, onChange: () => relay.kick() }),
  );
  await runtime.start();
  const sub = env.bus.nc.subscribe(`${env.topology.namespace}.events.device.>`);
  void (async () => {
    for await (const m of sub) events.push({ subject: m.subject, body: m.json() });
  })();
});
afterAll(async () => {
  await relay.stop();
  await env.dispose();
});

const device = (name: string) => ({ id: 'spine-01', name, protocol: 'netconf', address: '127.10.1.1', port: 830 });

it('upserts a device once per delivery, however often the delivery is repeated, and publishes events.device.upserted', async () => {
  const args = {
    source: 'nms',
    deliveryId: 'msg_1',
    event: 'device.created',
    payload: { event: 'device.created', device: device('Spine 1') },
  };
  await runtime.enqueue(webhookProcessJob, args);
  await waitUntil(() => events.length === 1, 5_000, 'first event');
  // The same delivery again, later, with a different name: processed once means no change.
  await runtime.enqueue(webhookProcessJob, { ...args, payload: { event: 'device.created', device: device('Spine renamed') } });
  await new Promise((r) => setTimeout(r, 500));
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    subject: `${env.topology.namespace}.events.device.upserted`,
    body: { event: 'upserted', device: { id: 'spine-01', name: 'Spine 1' } },
  });
  expect((await new DeviceRepository(env.db.pool).get('spine-01'))?.name).toBe('Spine 1');
});

it('deletes on device.deleted and publishes events.device.deleted', async () => {
  await runtime.enqueue(webhookProcessJob, {
    source: 'nms',
    deliveryId: 'msg_2',
    event: 'device.deleted',
    payload: { event: 'device.deleted', device: { id: 'spine-01' } },
  });
  await waitUntil(() => events.some((e) => e.body.event === 'deleted'), 5_000, 'deleted event');
  expect(await new DeviceRepository(env.db.pool).get('spine-01')).toBeUndefined();
});

it('discards an invalid payload and an unknown event to the dead letters with the reason, without retrying', async () => {
  const bad = await runtime.enqueue(webhookProcessJob, {
    source: 'nms',
    deliveryId: 'msg_3',
    event: 'device.created',
    payload: { event: 'device.created', device: { id: 'Bad.Id', name: '', protocol: 'snmp', address: 'x', port: 0 } },
  });
  const unknown = await runtime.enqueue(webhookProcessJob, {
    source: 'nms',
    deliveryId: 'msg_4',
    event: 'device.exploded',
    payload: { event: 'device.exploded' },
  });
  await waitUntil(
    async () => (await runtime.deadLetters.get(unknown.id)) !== undefined && (await runtime.deadLetters.get(bad.id)) !== undefined,
    5_000,
    'dead letters',
  );
  const deadBad = await runtime.deadLetters.get(bad.id);
  expect(deadBad).toMatchObject({ outcome: 'discarded', attempts: 1 });
  expect(deadBad!.reason).toContain('device.id: must be 1-128 of a-z 0-9 _ -');
  expect(deadBad!.reason).toContain('device.protocol');
  expect(deadBad!.reason).toContain('device.port');
  expect(await runtime.deadLetters.get(unknown.id)).toMatchObject({
    outcome: 'discarded',
    reason: 'unknown webhook event "device.exploded"',
  });
});

it('enqueues one discovery scan per subnet for discovery.requested', async () => {
  for (const deliveryId of ['msg_5', 'msg_6']) {
    await runtime.enqueue(webhookProcessJob, {
      source: 'nms',
      deliveryId,
      event: 'discovery.requested',
      payload: { event: 'discovery.requested', subnet: '10.20.0.9/24' },
    });
  }
  const consumerInfo = async () => {
    const stream = await env.bus.jsm.streams.info(env.topology.streams.jobs.name, {
      subjects_filter: `${env.topology.namespace}.jobs.discovery.>`,
    });
    return stream.state.subjects ?? {};
  };
  await waitUntil(async () => Object.values(await consumerInfo()).reduce((a, b) => a + b, 0) >= 1, 5_000, 'scan job stored');
  await new Promise((r) => setTimeout(r, 300));
  expect(await consumerInfo()).toEqual({ [`${env.topology.namespace}.jobs.discovery.discovery-scan`]: 1 });
});

import { Kvm } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { createLogger } from '@switch-telemetry/logging';
import { StreamConflictError, createTopology, ensureStream, provisionTopology, publishJson, type Bus } from '../src';
import { deleteNamespace, uniqueNamespace, withTestBus } from '../src/testing';

const silent = createLogger({ app: 'test', level: 'silent' });

describe('provisioning against the real JetStream', () => {
  let bus: Bus;
  const topology = createTopology({ namespace: uniqueNamespace('prov'), telemetryMaxAgeMs: 3_600_000 });

  beforeAll(async () => {
    bus = await withTestBus('bus-provision-test');
  });
  afterAll(async () => {
    await deleteNamespace(bus, topology);
    await bus.close();
  });

  it('creates every stream and bucket, then finds nothing to do', async () => {
    const first = await provisionTopology(bus.jsm, topology, silent);
    expect(Object.values(first)).toEqual(Array(8).fill('created'));
    const second = await provisionTopology(bus.jsm, topology, silent);
    expect(Object.values(second)).toEqual(Array(8).fill('unchanged'));

    const jobs = await bus.jsm.streams.info(topology.streams.jobs.name);
    expect(jobs.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(jobs.config.duplicate_window).toBe(nanos(5 * 60_000));
    expect(jobs.config.subjects).toEqual([`${topology.namespace}.jobs.>`]);
    const events = await bus.jsm.streams.info(topology.streams.events.name);
    expect(events.config.max_age).toBe(nanos(7 * 86_400_000));
    const telemetry = await bus.jsm.streams.info(topology.streams.telemetry.name);
    expect(telemetry.config.max_age).toBe(nanos(3_600_000));

    const sessions = await new Kvm(bus.js).open(topology.buckets.sessions.name);
    await sessions.put('leaf-01', JSON.stringify({ state: 'up' }));
    expect((await sessions.get('leaf-01'))?.string()).toBe('{"state":"up"}');
  });

  it('updates a changed setting without losing the stored messages', async () => {
    await provisionTopology(bus.jsm, topology, silent);
    const subject = topology.subjects.telemetry('leaf-01', 'interfaces');
    await publishJson(bus, subject, { v: 1 });
    const before = (await bus.jsm.streams.info(topology.streams.telemetry.name)).state.messages;

    const longer = createTopology({ namespace: topology.namespace, telemetryMaxAgeMs: 7_200_000, collectorHeartbeatTtlMs: 45_000 });
    const outcomes = await provisionTopology(bus.jsm, longer, silent);
    expect(outcomes[longer.streams.telemetry.name]).toBe('updated');
    expect(outcomes[`KV_${longer.buckets.collectors.name}`]).toBe('updated');
    expect(outcomes[longer.streams.events.name]).toBe('unchanged');

    const after = await bus.jsm.streams.info(longer.streams.telemetry.name);
    expect(after.config.max_age).toBe(nanos(7_200_000));
    expect(after.state.messages).toBe(before);
    const heartbeats = await bus.jsm.streams.info(`KV_${longer.buckets.collectors.name}`);
    expect(heartbeats.config.max_age).toBe(nanos(45_000));
  });

  it('refuses to turn an existing limits stream into a work queue, and leaves it alone', async () => {
    const name = `${topology.namespace}_CONFLICT`;
    await bus.jsm.streams.add({
      name,
      subjects: [`${topology.namespace}.conflict.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    });
    await expect(
      ensureStream(bus.jsm, {
        name,
        subjects: [`${topology.namespace}.conflict.>`],
        retention: 'workqueue',
        maxAgeMs: 0,
        maxBytes: -1,
        replicas: 1,
        duplicateWindowMs: 60_000,
      }),
    ).rejects.toBeInstanceOf(StreamConflictError);
    expect((await bus.jsm.streams.info(name)).config.retention).toBe(RetentionPolicy.Limits);
    await bus.jsm.streams.delete(name);
  });
});

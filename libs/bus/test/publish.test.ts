import { createTopology, provisionTopology, publishJson, PublishError, type Bus } from '../src';
import { deleteNamespace, uniqueNamespace, withTestBus } from '../src/testing';
import { createLogger } from '@switch-telemetry/logging';

describe('publishJson', () => {
  let bus: Bus;
  const topology = createTopology({ namespace: uniqueNamespace('pub') });

  beforeAll(async () => {
    bus = await withTestBus('bus-publish-test');
    await provisionTopology(bus.jsm, topology, createLogger({ app: 'test', level: 'silent' }));
  });
  afterAll(async () => {
    await deleteNamespace(bus, topology);
    await bus.close();
  });

  it('stores JSON with headers and treats a repeated Nats-Msg-Id as a duplicate', async () => {
    const subject = topology.subjects.telemetry('leaf-01', 'interfaces');
    const first = await publishJson(bus, subject, { v: 1, device: 'leaf-01' }, { msgId: 'leaf-01:1', headers: { device: 'leaf-01' } });
    const again = await publishJson(bus, subject, { v: 1, device: 'leaf-01' }, { msgId: 'leaf-01:1' });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);

    const stored = await bus.jsm.streams.getMessage(topology.streams.telemetry.name, { seq: first.seq });
    expect(stored?.json()).toEqual({ v: 1, device: 'leaf-01' });
    expect(stored?.header.get('device')).toBe('leaf-01');
    expect(stored?.header.get('Content-Type')).toBe('application/json');
  });

  it('fails with a PublishError when no stream takes the subject', async () => {
    await expect(publishJson(bus, `${topology.namespace}.nowhere`, {}, { timeoutMs: 500 })).rejects.toBeInstanceOf(PublishError);
  });
});

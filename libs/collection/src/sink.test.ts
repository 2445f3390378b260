import { createTopology } from '@switch-telemetry/bus';
import { fakeBus, type FakeBus } from '@switch-telemetry/bus/testing';
import { createLogger } from '@switch-telemetry/logging';
import { TelemetrySink, contentId, type Outgoing } from './sink';

const topology = createTopology({ namespace: 'unit' });
const log = createLogger({ app: 'sink-test', level: 'silent' });

/** The last two subject tokens of each publish: device/subscription. */
const names = (f: FakeBus) => f.sent.map((m) => m.subject.split('.').slice(-2).join('/'));

const message = (device: string, n: number): Outgoing => ({
  device,
  subscription: `m${n}`,
  source: 'gnmi',
  data: Buffer.from(`${device}-${n}`),
  updates: 1,
});

describe('TelemetrySink', () => {
  it('keeps at most maxInFlight publishes open and gives freed slots to waiting devices in turn', async () => {
    const fake = fakeBus({ manualAcks: true });
    const sink = new TelemetrySink({ bus: fake.bus, topology, log, maxInFlight: 2, highWater: 100 });
    for (let i = 0; i < 6; i += 1) void sink.accept(message('a', i));
    for (let i = 0; i < 2; i += 1) void sink.accept(message('b', i));
    expect(names(fake)).toEqual(['a/m0', 'a/m1']);
    expect(fake.pendingAcks()).toBe(2);
    while (fake.pendingAcks() > 0) await fake.ack();
    // b is served as soon as slots free, not after everything a has; each device keeps its order.
    expect(names(fake)).toEqual(['a/m0', 'a/m1', 'a/m2', 'b/m0', 'a/m3', 'b/m1', 'a/m4', 'a/m5']);
    expect(sink.published).toBe(8);
    sink.close();
  });

  it('pauses a device at its high-water mark and lets it read on once it has drained below half', async () => {
    const fake = fakeBus({ manualAcks: true });
    const sink = new TelemetrySink({ bus: fake.bus, topology, log, maxInFlight: 1, highWater: 4 });
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i += 1) waits.push(Promise.resolve(sink.accept(message('a', i))));
    let released = false;
    void waits[4]!.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false); // 4 waiting (1 in flight): paused
    await fake.ack();
    await fake.ack();
    expect(released).toBe(false); // 2 waiting: not yet below half of 4
    await fake.ack();
    expect(released).toBe(true);
    while (fake.pendingAcks() > 0) await fake.ack();
    sink.close();
  });

  it('while NATS is down, keeps a bounded buffer per device, drops the oldest and counts every drop', async () => {
    const fake = fakeBus({ connected: false, manualAcks: true });
    const drops: number[] = [];
    const sink = new TelemetrySink({ bus: fake.bus, topology, log, bufferPerDevice: 3, onDropped: (_d, n) => drops.push(n) });
    for (let i = 0; i < 5; i += 1) await sink.accept(message('a', i)); // never waits while disconnected
    expect(sink.buffered).toBe(3);
    expect(sink.dropped).toBe(2);
    expect(drops).toEqual([1, 1]);
    fake.connected = true;
    await sink.flush(30); // drains (and gives up waiting for the acks after 30 ms)
    expect(names(fake)).toEqual(['a/m2', 'a/m3', 'a/m4']);
    while (fake.pendingAcks() > 0) await fake.ack();
    expect(sink.accepted - sink.published).toBe(sink.dropped);
    sink.close();
  });

  it('puts a message whose publish failed back in front, and publishes it again with the same Nats-Msg-Id', async () => {
    const fake = fakeBus({ manualAcks: true });
    const sink = new TelemetrySink({ bus: fake.bus, topology, log });
    void sink.accept(message('a', 0));
    await fake.ack(false);
    expect(sink.buffered).toBe(1);
    await sink.flush(30); // the retry
    await fake.ack(true);
    const ids = fake.sent.map((m) => m.options.msgId);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(sink.published).toBe(1);
    sink.close();
  });

  it('drops a message larger than NATS accepts at once, counted as oversized, and goes on with the next', async () => {
    const fake = fakeBus();
    const drops: Array<[string, number, string]> = [];
    const sink = new TelemetrySink({
      bus: fake.bus,
      topology,
      log,
      maxMessageBytes: 10,
      onDropped: (d, n, reason) => drops.push([d, n, reason]),
    });
    await sink.accept({ ...message('a', 0), data: Buffer.alloc(11) });
    await sink.accept(message('a', 1));
    await sink.flush(1_000);
    expect(drops).toEqual([['a', 1, 'oversized']]);
    expect(names(fake)).toEqual(['a/m1']);
    expect(sink.dropped).toBe(1);
    sink.close();
  });

  it('names a message by its content: the same bytes the same id, and 200,000 realistic messages 200,000 ids', () => {
    const a = Buffer.from('{"v":1,"device":"leaf-1","ts":1764201600123456789,"updates":[{"path":"in-octets","value":"1"}]}');
    expect(contentId(a)).toBe(contentId(Buffer.from(a)));
    expect(contentId(a)).toMatch(/^[0-9a-f]{16}$/);
    const ids = new Set<string>();
    for (let i = 0; i < 200_000; i += 1) {
      // What differs between two messages of one device: a timestamp and a counter or two.
      ids.add(
        contentId(
          Buffer.from(
            `{"v":1,"device":"leaf-1","ts":${1764201600123456789n + BigInt(i % 1000)},"updates":[{"path":"in-octets","value":"${Math.floor(i / 1000)}"}]}`,
          ),
        ),
      );
    }
    expect(ids.size).toBe(200_000);
    // One bit anywhere changes it.
    for (let byte = 0; byte < a.length; byte += 1) {
      const b = Buffer.from(a);
      b[byte]! ^= 1;
      expect(contentId(b)).not.toBe(contentId(a));
    }
  });
});

import { createTopology, type Bus } from '@switch-telemetry/bus';
import { createLogger } from '@switch-telemetry/logging';
import { TelemetrySink, type Outgoing } from './sink';

const topology = createTopology({ namespace: 'unit' });
const log = createLogger({ app: 'sink-test', level: 'silent' });

/** Our Bus interface, publishing into a list whose acknowledgements the test hands out one by one. */
function fakeBus(connected = () => true) {
  const published: string[] = [];
  const acks: Array<(ok: boolean) => void> = [];
  const bus: Pick<Bus, 'publish' | 'isConnected'> = {
    isConnected: connected,
    publish: (subject: string) =>
      new Promise((resolve, reject) => {
        published.push(subject.split('.').slice(-2).join('/'));
        acks.push((ok) => (ok ? resolve({ stream: 'T', seq: published.length, duplicate: false } as never) : reject(new Error('no ack'))));
      }),
  };
  const ackNext = async (ok = true) => {
    acks.shift()!(ok);
    await new Promise((r) => setImmediate(r));
  };
  return { bus, published, ackNext, pending: () => acks.length };
}

const message = (device: string, n: number): Outgoing => ({ device, subscription: `m${n}`, source: 'gnmi', data: Buffer.from(`${device}-${n}`), updates: 1 });

describe('TelemetrySink', () => {
  it('keeps at most maxInFlight publishes open and gives freed slots to waiting devices in turn', async () => {
    const { bus, published, ackNext, pending } = fakeBus();
    const sink = new TelemetrySink({ bus, topology, log, maxInFlight: 2, highWater: 100 });
    for (let i = 0; i < 6; i += 1) void sink.accept(message('a', i));
    for (let i = 0; i < 2; i += 1) void sink.accept(message('b', i));
    expect(published).toEqual(['a/m0', 'a/m1']);
    expect(pending()).toBe(2);
    while (pending() > 0) await ackNext();
    // b is served as soon as slots free, not after everything a has; each device keeps its order.
    expect(published).toEqual(['a/m0', 'a/m1', 'a/m2', 'b/m0', 'a/m3', 'b/m1', 'a/m4', 'a/m5']);
    expect(sink.published).toBe(8);
    sink.close();
  });

  it('pauses a device at its high-water mark and lets it read on once it has drained below half', async () => {
    const { bus, ackNext, pending } = fakeBus();
    const sink = new TelemetrySink({ bus, topology, log, maxInFlight: 1, highWater: 4 });
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i += 1) waits.push(sink.accept(message('a', i)));
    let released = false;
    void waits[4]!.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false); // 4 waiting (1 in flight): paused
    await ackNext();
    await ackNext();
    expect(released).toBe(false); // 2 waiting: not yet below half of 4
    await ackNext();
    expect(released).toBe(true);
    while (pending() > 0) await ackNext();
    sink.close();
  });

  it('while NATS is down, keeps a bounded buffer per device, drops the oldest and counts every drop', async () => {
    let connected = false;
    const { bus, published, ackNext, pending } = fakeBus(() => connected);
    const drops: number[] = [];
    const sink = new TelemetrySink({ bus, topology, log, bufferPerDevice: 3, onDropped: (_d, n) => drops.push(n) });
    for (let i = 0; i < 5; i += 1) await sink.accept(message('a', i)); // never waits while disconnected
    expect(sink.buffered).toBe(3);
    expect(sink.dropped).toBe(2);
    expect(drops).toEqual([1, 1]);
    connected = true;
    await sink.flush(30); // drains (and gives up waiting for the acks after 30 ms)
    expect(published).toEqual(['a/m2', 'a/m3', 'a/m4']);
    while (pending() > 0) await ackNext();
    expect(sink.accepted - sink.published).toBe(sink.dropped);
    sink.close();
  });

  it('puts a message whose publish failed back in front, and publishes it again with the same Nats-Msg-Id', async () => {
    const ids: string[] = [];
    const { bus, ackNext } = fakeBus();
    const recording: Pick<Bus, 'publish' | 'isConnected'> = {
      isConnected: bus.isConnected,
      publish: (subject, data, options) => {
        ids.push(options?.msgId ?? '');
        return bus.publish(subject, data, options);
      },
    };
    const sink = new TelemetrySink({ bus: recording, topology, log });
    void sink.accept(message('a', 0));
    await ackNext(false);
    expect(sink.buffered).toBe(1);
    await sink.flush(30); // the retry
    await ackNext(true);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect(sink.published).toBe(1);
    sink.close();
  });
});

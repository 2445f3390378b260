import { connect } from '@nats-io/transport-node';
import { natsTestUrl } from '@switch-telemetry/bus/testing';
import { ConsumerConflictError, InvalidConsumerOptionsError, TelemetryConsumer, type DeliveryContext, type TelemetryMessage } from '../src';
import { counterMessage, telemetryEnv, until, type TelemetryEnv } from './fixtures';

describe('TelemetryConsumer (NATS)', () => {
  let env: TelemetryEnv;
  const consumers: TelemetryConsumer[] = [];
  beforeEach(async () => {
    env = await telemetryEnv('consumer');
  });
  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop(1_000);
    await env.dispose();
  });

  function consumer(options: Partial<ConstructorParameters<typeof TelemetryConsumer>[0]> & Pick<TelemetryConsumer['stats'], never>) {
    const c = new TelemetryConsumer({
      nc: env.bus.nc,
      durable: 'test',
      namespace: env.topology.namespace,
      handler: async () => undefined,
      ...options,
    });
    consumers.push(c);
    return c;
  }
  const pending = async (durable = 'test') => {
    const info = await env.bus.jsm.consumers.info(env.topology.streams.telemetry.name, durable);
    return { ackPending: info.num_ack_pending, waiting: info.num_pending };
  };

  it('hands every message to the handler typed, in order, and acknowledges it', async () => {
    const seen: Array<[TelemetryMessage, DeliveryContext]> = [];
    const c = consumer({ handler: async (m, ctx) => void seen.push([m, ctx]) });
    await c.start();
    for (let i = 0; i < 20; i += 1) await env.publish(counterMessage('leaf-01', i));
    await until(() => seen.length === 20, 'all handled');
    expect(seen.map(([m]) => m.ts)).toEqual(Array.from({ length: 20 }, (_, i) => counterMessage('leaf-01', i).ts));
    expect(seen[3]![1]).toMatchObject({
      deliveryCount: 1,
      redelivered: false,
      streamSequence: 4,
      dedupeKey: `leaf-01/interfaces/${seen[3]![0].ts}`,
    });
    expect(seen[3]![1].subject).toBe(`${env.topology.namespace}.telemetry.leaf-01.interfaces`);
    await until(async () => (await pending()).ackPending === 0, 'acks reached the server');
    expect(c.stats()).toMatchObject({ handled: 20, retried: 0, invalid: 0 });
  });

  it('never runs more than maxInFlight handlers at once', async () => {
    let running = 0;
    let most = 0;
    let gate!: () => void;
    const open = new Promise<void>((r) => (gate = r));
    const c = consumer({
      maxInFlight: 3,
      handler: async () => {
        running += 1;
        most = Math.max(most, running);
        await open;
        running -= 1;
      },
    });
    await c.start();
    for (let i = 0; i < 12; i += 1) await env.publish(counterMessage('leaf-01', i));
    await until(() => running === 3, 'three handlers running');
    await new Promise((r) => setTimeout(r, 200)); // time for more to arrive, if the bound leaked
    expect(most).toBe(3);
    expect((await pending()).ackPending).toBeLessThanOrEqual(3);
    gate();
    await until(() => c.stats().handled === 12, 'all handled');
    expect(most).toBe(3);
  });

  it('retries a failed handler after a delay, and gives a message up after maxDeliveries', async () => {
    const deliveries: number[] = [];
    const c = consumer({
      retryDelayMs: 150,
      maxDeliveries: 3,
      handler: async (m, ctx) => {
        if (m.device === 'flaky' && ctx.deliveryCount < 2) throw new Error('not yet');
        if (m.device === 'broken') {
          deliveries.push(Date.now());
          throw new Error('never');
        }
      },
    });
    await c.start();
    await env.publish(counterMessage('flaky', 1));
    await env.publish(counterMessage('broken', 1));
    await until(() => c.stats().gaveUp === 1 && c.stats().handled === 1, 'flaky handled, broken given up');
    expect(deliveries).toHaveLength(3);
    // nak delays double: 150 ms, then 300 ms
    expect(deliveries[1]! - deliveries[0]!).toBeGreaterThanOrEqual(140);
    expect(deliveries[2]! - deliveries[1]!).toBeGreaterThanOrEqual(290);
    expect(c.stats()).toMatchObject({ retried: 3, gaveUp: 1, handled: 1 });
    await until(async () => (await pending()).ackPending === 0, 'nothing left pending');
  });

  it('drops (terminates) bodies that are not telemetry messages and keeps going', async () => {
    const handled: string[] = [];
    const c = consumer({ handler: async (m) => void handled.push(m.device) });
    await c.start();
    await env.publishRaw('leaf-01', 'not json');
    await env.publishRaw('leaf-01', JSON.stringify({ ...counterMessage('leaf-01', 0), v: 9 }));
    await env.publish(counterMessage('leaf-02', 1));
    await until(() => handled.length === 1 && c.stats().invalid === 2, 'bad ones dropped, good one handled');
    await until(async () => (await pending()).ackPending === 0, 'nothing left pending');
    expect(handled).toEqual(['leaf-02']);
  });

  it('with the same durable name continues where the last run stopped', async () => {
    const first: string[] = [];
    const a = consumer({ handler: async (m) => void first.push(String(m.ts)) });
    await a.start();
    for (let i = 0; i < 5; i += 1) await env.publish(counterMessage('leaf-01', i));
    await until(() => first.length === 5, 'first run handled 5');
    await a.stop();
    for (let i = 5; i < 8; i += 1) await env.publish(counterMessage('leaf-01', i));
    const second: Array<[string, number]> = [];
    const b = consumer({ handler: async (m, ctx) => void second.push([String(m.ts), ctx.deliveryCount]) });
    await b.start();
    await until(() => second.length === 3, 'second run handled the 3 new ones');
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toEqual([5, 6, 7].map((i) => [String(counterMessage('leaf-01', i).ts), 1]));
  });

  it('gets back what a process that died before its acks had taken, after the ack wait', async () => {
    const doomed = await connect({ servers: natsTestUrl() });
    const never = new Promise<void>(() => undefined);
    let took = 0;
    const dead = new TelemetryConsumer({
      nc: doomed,
      durable: 'test',
      namespace: env.topology.namespace,
      ackWaitMs: 500,
      handler: () => ((took += 1), never),
    });
    await dead.start();
    for (let i = 0; i < 4; i += 1) await env.publish(counterMessage('leaf-01', i));
    await until(() => took === 4, 'the doomed process took all 4');
    await doomed.close(); // dies: no ack, no stop()
    const redelivered: boolean[] = [];
    const c = consumer({ ackWaitMs: 500, handler: async (_m, ctx) => void redelivered.push(ctx.redelivered) });
    await c.start();
    await until(() => redelivered.length === 4, 'all 4 came back');
    expect(redelivered).toEqual([true, true, true, true]);
  });

  it('stop() lets running handlers finish and acknowledges them; a late one is handed back', async () => {
    let finished = 0;
    const c = consumer({
      handler: async (m) => {
        await new Promise((r) => setTimeout(r, m.device === 'slow' ? 2_000 : 150));
        finished += 1;
      },
    });
    await c.start();
    await env.publish(counterMessage('leaf-01', 1));
    await until(() => c.stats().inFlight === 1, 'handler running');
    await c.stop();
    expect(finished).toBe(1);
    expect(await pending()).toEqual({ ackPending: 0, waiting: 0 });

    const d = consumer({ handler: async () => new Promise((r) => setTimeout(r, 2_000)) });
    await d.start();
    await env.publish(counterMessage('slow', 1));
    await until(() => d.stats().inFlight === 1, 'slow handler running');
    const started = Date.now();
    await d.stop(200);
    expect(Date.now() - started).toBeLessThan(1_500);
    // handed back (nak): pending again for the next process at once
    await until(async () => (await pending()).waiting === 1, 'handed back');
  });

  it('filters by device, and refuses to bind to a durable with another filter', async () => {
    const devices: string[] = [];
    const c = consumer({ durable: 'only-02', filter: { device: 'leaf-02' }, handler: async (m) => void devices.push(m.device) });
    await c.start();
    for (const d of ['leaf-01', 'leaf-02', 'leaf-03', 'leaf-02']) await env.publish(counterMessage(d, 1));
    await until(() => devices.length === 2, 'leaf-02 messages handled');
    await c.stop();
    expect(devices).toEqual(['leaf-02', 'leaf-02']);
    const other = consumer({ durable: 'only-02', filter: { device: 'leaf-03' } });
    await expect(other.start()).rejects.toThrow(ConsumerConflictError);
    expect(() => consumer({ durable: 'a.b' })).toThrow(InvalidConsumerOptionsError);
    expect(() => consumer({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});

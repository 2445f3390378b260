import { createLogger } from '@switch-telemetry/logging';
import { BusUnavailableError, PublishError, connectBus, createTopology, provisionTopology, publishJson, type Bus } from '../src';
import { PrivateNatsServer, freePort } from '../src/testing';

const log = createLogger({ app: 'test', level: 'silent' });

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const probeOk = (bus: Bus) =>
  bus.probe().then(
    () => true,
    () => false,
  );

describe('connectBus', () => {
  it('fails fast with BusUnavailableError when nothing listens', async () => {
    const port = await freePort();
    await expect(connectBus({ servers: `nats://127.0.0.1:${port}`, name: 'nobody', log, connectTimeoutMs: 500 })).rejects.toBeInstanceOf(
      BusUnavailableError,
    );
  });

  it('reports down within 5 s of an outage and up again within 5 s of recovery, without giving up', async () => {
    const server = await PrivateNatsServer.start();
    const bus = await connectBus({ servers: server.url, name: 'outage-test', log, reconnectWaitMs: 250, reconnectJitterMs: 100 });
    try {
      expect(await probeOk(bus)).toBe(true);
      await server.stop();
      expect(await eventually(async () => !(await probeOk(bus)), 5_000)).toBeLessThan(5_000);
      expect(bus.isConnected()).toBe(false);
      // Longer than several reconnect waits: the client must keep trying.
      await new Promise((r) => setTimeout(r, 1_500));
      await server.resume();
      expect(await eventually(() => probeOk(bus), 5_000)).toBeLessThan(5_000);
      expect(bus.isConnected()).toBe(true);
    } finally {
      await bus.close();
      await server.dispose();
    }
  });

  it('bounds a publish while the server is away by its timeout, and publishes again once it is back', async () => {
    const server = await PrivateNatsServer.start();
    const bus = await connectBus({ servers: server.url, name: 'publish-outage', log, reconnectWaitMs: 200, reconnectJitterMs: 50 });
    const topology = createTopology({ namespace: 'outage' });
    await provisionTopology(bus.jsm, topology, log);
    try {
      await server.stop();
      await eventually(() => !bus.isConnected(), 5_000);
      const started = Date.now();
      await expect(publishJson(bus, topology.subjects.alert('session_down'), { n: 1 }, { timeoutMs: 300 })).rejects.toBeInstanceOf(
        PublishError,
      );
      expect(Date.now() - started).toBeLessThan(1_000);
      await server.resume();
      await eventually(() => bus.isConnected(), 5_000);
      await expect(publishJson(bus, topology.subjects.alert('session_down'), { n: 2 })).resolves.toMatchObject({ duplicate: false });
    } finally {
      await bus.close();
      await server.dispose();
    }
  });

  it('drains on close and reports the connection closed', async () => {
    const server = await PrivateNatsServer.start();
    const bus = await connectBus({ servers: server.url, name: 'close-test', log });
    await bus.close();
    await expect(bus.closed).resolves.toBeUndefined();
    expect(bus.isConnected()).toBe(false);
    await server.dispose();
  });
});

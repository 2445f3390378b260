import { Registry } from 'prom-client';
import type { Bus } from '@switch-telemetry/bus';
import { PrivateNatsServer, withTestBus } from '@switch-telemetry/bus/testing';
import { Collector } from '@switch-telemetry/collection';
import { createLogger } from '@switch-telemetry/logging';
import { TOKENS, startIngress, type Ingress } from './harness';

// A change the API confirmed must reach the collectors even when NATS was
// down at the time: the event is stored with the change and relayed later.
let nats: PrivateNatsServer;
let ingress: Ingress;
let collectorBus: Bus;
let collector: Collector;
beforeAll(async () => {
  nats = await PrivateNatsServer.start();
  ingress = await startIngress({ natsUrl: nats.url });
});
afterAll(async () => {
  await collector?.stop(500).catch(() => undefined);
  await collectorBus?.close();
  await ingress.close();
  await nats.dispose();
});

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${ingress.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKENS.write}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

it('100 REST changes made while NATS is down all reach the collector once NATS is back, none twice', async () => {
  collectorBus = await withTestBus('drill-collector', nats.url);
  // A collector that follows events only (its periodic resync is far away).
  collector = new Collector({
    bus: collectorBus,
    topology: ingress.topology,
    pool: ingress.db.pool,
    log: createLogger({ app: 'drill', level: 'silent' }),
    registry: new Registry(),
    resyncMs: 3_600_000,
  });
  await collector.start();

  await nats.stop();
  const statuses: number[] = [];
  // 40 creates, 40 of them renamed, 20 of them deleted: 100 changes, answered while NATS is down.
  for (let n = 0; n < 40; n += 1) {
    statuses.push(
      (
        await call('POST', '/v1/devices', {
          id: `d${n}`,
          name: `D${n}`,
          protocol: 'gnmi',
          address: `127.10.77.${n + 1}`,
          port: 57400,
          enabled: false,
        })
      ).status,
    );
  }
  for (let n = 0; n < 40; n += 1) statuses.push((await call('PATCH', `/v1/devices/d${n}`, { name: `Renamed ${n}` })).status);
  for (let n = 0; n < 20; n += 1) statuses.push((await call('DELETE', `/v1/devices/d${n}`)).status);
  expect(statuses.filter((s) => s >= 200 && s < 300)).toHaveLength(100);

  await nats.resume();
  expect(await ingress.outbox.drain(20_000)).toBe(true);
  // Every change stored once in EVENTS (the msg-id makes a re-publish a duplicate), in order per device.
  const stored = await ingress.count('events', 'events.device.>');
  expect(stored).toBe(100);
  // And the collector, which missed nothing it was sent, knows exactly the 20 devices left, renamed.
  const known = () => collector.knownDevices();
  const deadline = Date.now() + 10_000;
  while (known().length !== 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(
    known()
      .map((d) => d.id)
      .sort(),
  ).toEqual(Array.from({ length: 20 }, (_, i) => `d${i + 20}`).sort());
  expect(known().every((d) => d.name.startsWith('Renamed'))).toBe(true);
}, 60_000);

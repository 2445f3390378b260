import { createTopology, ensureStream } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createLogger } from '@switch-telemetry/logging';
import { EnvConfigError } from '@switch-telemetry/consumer';
import { loadConfig } from '../src/config';
import { startExporter } from '../src/exporter';

const log = createLogger({ app: 'exporter-test', level: 'silent' });
const encode = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const counters = (device: string, name: string, inOctets: string) => ({
  v: 1,
  device,
  source: 'gnmi',
  subscription: 'interfaces',
  ts: '1764000000000000000',
  prefix: `/interfaces/interface[name=${name}]`,
  updates: [
    { path: 'state/counters/in-octets', value: inOctets },
    { path: 'state/mtu', value: 9000 },
  ],
  deletes: [],
});

describe('prometheus exporter (NATS, HTTP)', () => {
  it('serves the latest values of messages stored in JetStream on /metrics', async () => {
    const topology = createTopology({ namespace: uniqueNamespace('exporter') });
    const bus = await withTestBus('exporter-test');
    await ensureStream(bus.jsm, topology.streams.telemetry);
    const config = loadConfig({
      NATS_URL: natsTestUrl(),
      NATS_NAMESPACE: topology.namespace,
      EXPORTER_PATHS: '/interfaces/interface/state/counters/*',
      EXPORTER_MAX_SERIES: '2',
      EXPORTER_HTTP_HOST: '127.0.0.1',
      EXPORTER_HTTP_PORT: '0',
    });
    const exporter = await startExporter(config, log);
    try {
      const publish = (m: ReturnType<typeof counters> | string, device = 'leaf-01') =>
        bus.publish(topology.subjects.telemetry(device, 'interfaces'), encode(m));
      await publish(counters('leaf-01', 'Ethernet1', '100'));
      await publish(counters('leaf-01', 'Ethernet1', '18446744073709551615'));
      await publish(counters('leaf-02', 'Ethernet2', '7'), 'leaf-02');
      await publish('{"v":1', 'leaf-02'); // not a telemetry message: counted, dropped
      await publish(counters('leaf-03', 'Ethernet3', '9'), 'leaf-03'); // a third series: over the limit
      const deadline = Date.now() + 5_000;
      let text = '';
      while (Date.now() < deadline) {
        const res = await fetch(exporter.url, { signal: AbortSignal.timeout(2_000) });
        expect(res.status).toBe(200);
        text = await res.text();
        if (text.includes('telemetry_exporter_dropped_updates_total 1') && text.includes('telemetry_exporter_invalid_messages 1')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const series = text.split('\n').filter((l) => l.startsWith('switch_telemetry_'));
      expect(series.sort()).toEqual([
        'switch_telemetry_counter_total{device="leaf-01",interface="Ethernet1",path="/interfaces/interface/state/counters/in-octets"} 18446744073709552000',
        'switch_telemetry_counter_total{device="leaf-02",interface="Ethernet2",path="/interfaces/interface/state/counters/in-octets"} 7',
      ]);
      expect(text).toContain('telemetry_exporter_dropped_updates_total 1');
      expect(text).toContain('telemetry_exporter_invalid_messages 1');
      expect((await fetch(exporter.url.replace('/metrics', '/nope'))).status).toBe(404);
    } finally {
      await exporter.stop();
      await deleteNamespace(bus, topology);
      await bus.close();
    }
  });

  it('refuses bad configuration naming each variable, never its value', () => {
    const err = (() => {
      try {
        loadConfig({ EXPORTER_PATHS: 'interfaces', EXPORTER_MAX_SERIES: '0', EXPORTER_DEVICE: 'Leaf.1', NATS_PASSWORD: 'hunter2-secret' });
      } catch (e) {
        return e as EnvConfigError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(EnvConfigError);
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['EXPORTER_DEVICE', 'EXPORTER_MAX_SERIES', 'EXPORTER_PATHS.0']);
    expect(err.message).not.toContain('hunter2');
    expect(loadConfig({}).EXPORTER_PATHS).toEqual(['/**']);
  });
});

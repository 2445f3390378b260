import { Registry } from 'prom-client';
import type { TelemetryMessage } from '@switch-telemetry/consumer';
import { TelemetryGauges, compileGlob, labelsOf } from '../src/gauges';

const warnings: object[] = [];
const log = { info: () => undefined, warn: (f: object) => void warnings.push(f), error: () => undefined };

const message = (
  device: string,
  updates: TelemetryMessage['updates'],
  prefix = '/interfaces/interface[name=Ethernet1]',
  deletes: string[] = [],
) =>
  ({ v: 1, device, source: 'gnmi', subscription: 'interfaces', ts: '1764000000000000000', prefix, updates, deletes }) as TelemetryMessage;

describe('globs and labels', () => {
  it('matches * within an element and ** across elements', () => {
    const g = compileGlob('/interfaces/interface/state/counters/*');
    expect(g.test('/interfaces/interface/state/counters/in-octets')).toBe(true);
    expect(g.test('/interfaces/interface/state/counters/x/y')).toBe(false);
    expect(compileGlob('/system/**').test('/system/cpu/total/avg')).toBe(true);
    expect(compileGlob('/system/cpu*').test('/system/cpus')).toBe(true);
    expect(compileGlob('/a.b').test('/aXb')).toBe(false);
  });

  it('takes the interface from the [name=...] key and keeps other keys in the path', () => {
    expect(labelsOf('leaf-01', '/interfaces/interface[name=Ethernet1]/subinterfaces/subinterface[index=0]/state/counters/in-pkts')).toEqual(
      {
        device: 'leaf-01',
        interface: 'Ethernet1',
        path: '/interfaces/interface/subinterfaces/subinterface[index=0]/state/counters/in-pkts',
      },
    );
    expect(labelsOf('leaf-01', '/system/memory/state/used')).toEqual({
      device: 'leaf-01',
      interface: '',
      path: '/system/memory/state/used',
    });
  });
});

describe('TelemetryGauges', () => {
  it('exports numeric leaves that match, counters as counters, and forgets deleted ones', async () => {
    const registry = new Registry();
    const gauges = new TelemetryGauges({ registry, paths: ['/interfaces/**', '/system/memory/state/used'], maxSeries: 100, log });
    gauges.apply(
      message('leaf-01', [
        { path: 'state/counters/in-octets', value: '18446744073709551615' },
        { path: 'state/mtu', value: 9000 },
        { path: 'state/oper-status', value: 'UP' },
      ]),
    );
    gauges.apply(
      message(
        'leaf-01',
        [
          { path: '/system/memory/state/used', value: 12 },
          { path: '/system/cpu/avg', value: 3 },
        ],
        '',
      ),
    );
    const text = await registry.metrics();
    expect(text).toContain('# TYPE switch_telemetry_counter_total counter');
    expect(text).toContain(
      'switch_telemetry_counter_total{device="leaf-01",interface="Ethernet1",path="/interfaces/interface/state/counters/in-octets"} 18446744073709552000',
    );
    expect(text).toContain('switch_telemetry_value{device="leaf-01",interface="Ethernet1",path="/interfaces/interface/state/mtu"} 9000');
    expect(text).toContain('switch_telemetry_value{device="leaf-01",interface="",path="/system/memory/state/used"} 12');
    expect(text).not.toMatch(/oper-status|cpu/);
    expect(gauges.size).toBe(3);
    gauges.apply(message('leaf-01', [], '/interfaces/interface[name=Ethernet1]', ['state']));
    expect(gauges.size).toBe(1);
  });

  it('holds at most maxSeries series, counting and logging what it drops', async () => {
    const registry = new Registry();
    const gauges = new TelemetryGauges({ registry, paths: ['/**'], maxSeries: 2, log, dropLogEveryMs: 0 });
    warnings.length = 0;
    for (const name of ['e1', 'e2', 'e3', 'e4'])
      gauges.apply(message('leaf-01', [{ path: 'state/mtu', value: 1 }], `/interfaces/interface[name=${name}]`));
    gauges.apply(message('leaf-01', [{ path: 'state/mtu', value: 5 }], '/interfaces/interface[name=e1]')); // existing: updated
    expect(gauges.size).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('telemetry_exporter_dropped_updates_total 2');
    expect(text).toContain('interface="e1",path="/interfaces/interface/state/mtu"} 5');
    expect(text).not.toContain('interface="e3"');
    expect(warnings).toHaveLength(2);
  });
});

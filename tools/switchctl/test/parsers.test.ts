import { oneLine } from '../src/output';
import { compileGlob, fullPath, pathSegments } from '../src/path-glob';
import { samplesOf } from '../src/prometheus';
import { timeOfTs } from '../src/tail';

describe('path globs', () => {
  it('splits segments outside brackets only, and joins prefix and path', () => {
    expect(pathSegments('/interfaces/interface[name=Ethernet1/1]/state')).toEqual(['interfaces', 'interface[name=Ethernet1/1]', 'state']);
    expect(fullPath('/interfaces/interface[name=Ethernet1/1]', 'state/oper-status')).toBe(
      '/interfaces/interface[name=Ethernet1/1]/state/oper-status',
    );
    expect(fullPath('', '/system/state/hostname')).toBe('/system/state/hostname');
  });

  it.each([
    ['/interfaces/interface[name=*]/state/oper-status', '/interfaces/interface[name=Ethernet1/1]/state/oper-status', true],
    ['/interfaces/*/state/oper-status', '/interfaces/interface[name=Ethernet1/1]/state/oper-status', true],
    ['/interfaces/*/oper-status', '/interfaces/interface[name=Ethernet1/1]/state/oper-status', false],
    ['/interfaces/**', '/interfaces/interface[name=Ethernet1/1]/state/oper-status', true],
    ['**/oper-status', '/interfaces/interface[name=Ethernet1/1]/state/oper-status', true],
    ['**/counters/**/in-*', '/interfaces/interface[name=e1]/state/counters/in-octets', true],
    ['/interfaces/**/in-octets', '/interfaces/in-octets', true],
    ['/system/**', '/interfaces/x', false],
    ['/interfaces/interface[name=*]/state/counters/*', '/interfaces/interface[name=e1]/state/counters', false],
  ])('%s against %s: %s', (glob, path, expected) => {
    expect(compileGlob(glob)(path)).toBe(expected);
  });
});

describe('Prometheus text', () => {
  it('reads a gauge with labels and counts the lines that do not parse', () => {
    const text = [
      '# HELP http_client_breakers Outbound circuit breakers by state',
      '# TYPE http_client_breakers gauge',
      'http_client_breakers{app="collector",state="closed"} 3',
      'http_client_breakers{state="open",app="collector"} 1 1700000000000',
      'http_client_breakers{app="a \\"quoted\\" app",state="half-open"} 0',
      'http_client_breakers{state="open" 7',
      'http_client_breakers_total 9',
      'other_metric 5',
    ].join('\n');
    const { samples, bad } = samplesOf(text, 'http_client_breakers');
    expect(samples).toEqual([
      { labels: { app: 'collector', state: 'closed' }, value: 3 },
      { labels: { app: 'collector', state: 'open' }, value: 1 },
      { labels: { app: 'a "quoted" app', state: 'half-open' }, value: 0 },
    ]);
    expect(bad).toBe(1);
  });
});

describe('telemetry times', () => {
  it('reads nanoseconds as a number or a decimal string', () => {
    expect(timeOfTs('1790000000123456789')).toBe('2026-09-21T14:13:20.123Z');
    expect(timeOfTs(1_000_000)).toBe('1970-01-01T00:00:00.001Z');
    expect(timeOfTs('12ab')).toBe('-');
  });
});

describe('oneLine', () => {
  it('takes out what a terminal would act on: C0, DEL, C1 (a CSI is \u009b) and bidirectional overrides', () => {
    expect(oneLine('leaf\u001b[31m-01\u009b2J\u202eevil\nnext')).toBe('leaf [31m-01 2J evil next');
  });
});

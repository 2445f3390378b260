import type { EndpointFilter } from '../src/endpoints';
import { matchingEndpoints, matchesWithoutTags, severityOf, tagsMatch } from '../src/matching';

const endpoint = (over: Partial<EndpointFilter> = {}): EndpointFilter => ({
  id: 'e',
  events: ['*'],
  min_severity: 'info',
  devices: [],
  device_tags: {},
  ...over,
});
const down = { kind: 'session_down', severity: 'critical' as const, device: 'leaf-1' };
const dropped = { kind: 'telemetry_dropped', severity: 'warning' as const, device: 'leaf-1' };

describe('which endpoints want an alert', () => {
  it.each([
    ['every kind', endpoint(), down, true],
    ['its own kind', endpoint({ events: ['session_down'] }), down, true],
    ['another kind', endpoint({ events: ['telemetry_dropped'] }), down, false],
    ['a dotted prefix', endpoint({ events: ['bgp.*'] }), { ...down, kind: 'bgp.peer_down' }, true],
    ['a dotted prefix, not its parent', endpoint({ events: ['bgp.*'] }), { ...down, kind: 'bgp' }, false],
    ['critical and above: a critical alert', endpoint({ min_severity: 'critical' }), down, true],
    ['critical and above: a warning', endpoint({ min_severity: 'critical' }), dropped, false],
    ['warning and above: a warning', endpoint({ min_severity: 'warning' }), dropped, true],
    ['listed devices: this one', endpoint({ devices: ['leaf-1', 'leaf-2'] }), down, true],
    ['listed devices: another', endpoint({ devices: ['leaf-2'] }), down, false],
    ['listed devices: an alert naming none', endpoint({ devices: ['leaf-2'] }), { kind: 'x', severity: 'warning' as const }, false],
  ])('%s', (_name, e, alert, expected) => {
    expect(matchesWithoutTags(e, alert).matches).toBe(expected);
  });

  it('asks for the tags only when an endpoint that passed the other filters has a tag filter, and only once', async () => {
    const tagsOf = jest.fn(async () => ({ site: 'ams1', role: 'leaf' }));
    const endpoints = [
      endpoint({ id: 'a' }),
      endpoint({ id: 'b', device_tags: { site: 'ams1' } }),
      endpoint({ id: 'c', device_tags: { site: 'fra1' } }),
      endpoint({ id: 'd', device_tags: { site: 'ams1', role: 'leaf' } }),
      endpoint({ id: 'e', events: ['telemetry_dropped'], device_tags: { site: 'ams1' } }),
    ];
    expect((await matchingEndpoints(endpoints, down, tagsOf)).map((e) => e.id)).toEqual(['a', 'b', 'd']);
    expect(tagsOf).toHaveBeenCalledTimes(1);
    const untouched = jest.fn(async () => ({}));
    await matchingEndpoints([endpoint()], down, untouched);
    expect(untouched).not.toHaveBeenCalled();
  });

  it('treats a device that is gone as carrying no tags', () => {
    expect(tagsMatch({ site: 'ams1' }, undefined)).toBe(false);
    expect(tagsMatch({}, undefined)).toBe(true);
  });

  it('knows the severity of each alert kind, and calls a kind it does not know a warning', () => {
    expect(severityOf('session_down')).toBe('critical');
    expect(severityOf('telemetry_dropped')).toBe('warning');
    expect(severityOf('from_a_newer_collector')).toBe('warning');
  });
});

import { InvalidSubjectError, parseTelemetrySubject, telemetryFilterSubject, telemetryStreamName, telemetrySubject } from '../src';

describe('subjects', () => {
  it('builds subjects, filters and stream names with and without a namespace', () => {
    expect(telemetrySubject('leaf-01', 'interfaces')).toBe('telemetry.leaf-01.interfaces');
    expect(telemetrySubject('leaf-01', 'interfaces', { namespace: 't_ab12' })).toBe('t_ab12.telemetry.leaf-01.interfaces');
    expect(telemetryFilterSubject()).toBe('telemetry.*.*');
    expect(telemetryFilterSubject({ device: 'leaf-01' })).toBe('telemetry.leaf-01.*');
    expect(telemetryFilterSubject({ subscription: 'cpu', namespace: 'ns1' })).toBe('ns1.telemetry.*.cpu');
    expect(telemetryStreamName()).toBe('TELEMETRY');
    expect(telemetryStreamName({ namespace: 'ns1' })).toBe('ns1_TELEMETRY');
  });

  it('refuses tokens that would change the subject (dots, wildcards, upper case, empty) and bad namespaces', () => {
    for (const device of ['a.b', '*', '>', 'Leaf', '', 'x'.repeat(129), 'a b']) {
      expect(() => telemetrySubject(device, 'interfaces')).toThrow(InvalidSubjectError);
    }
    expect(() => telemetryFilterSubject({ subscription: 'a.>' })).toThrow(InvalidSubjectError);
    expect(() => telemetryStreamName({ namespace: 'a.b' })).toThrow(InvalidSubjectError);
    expect(() => telemetrySubject('leaf', 'x', { namespace: 'x'.repeat(33) })).toThrow(/namespace/);
  });

  it('parses subjects, inferring a namespace from four tokens unless one is given', () => {
    expect(parseTelemetrySubject('telemetry.leaf-01.interfaces')).toEqual({ namespace: '', device: 'leaf-01', subscription: 'interfaces' });
    expect(parseTelemetrySubject('t_1.telemetry.leaf-01.cpu')).toEqual({ namespace: 't_1', device: 'leaf-01', subscription: 'cpu' });
    expect(parseTelemetrySubject('t_1.telemetry.leaf-01.cpu', { namespace: 't_1' }).device).toBe('leaf-01');
    expect(() => parseTelemetrySubject('t_2.telemetry.leaf-01.cpu', { namespace: 't_1' })).toThrow(/namespace "t_1"/);
    expect(() => parseTelemetrySubject('t_1.telemetry.leaf-01.cpu', { namespace: '' })).toThrow(InvalidSubjectError);
    for (const bad of ['events.device.created', 'telemetry.leaf-01', 'telemetry.Leaf.cpu', 'a.b.telemetry.x.y', 'telemetry.*.cpu']) {
      expect(() => parseTelemetrySubject(bad)).toThrow(InvalidSubjectError);
    }
  });
});

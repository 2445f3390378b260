import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import { BusErrorCodes, InvalidSubjectTokenError, createTopology } from './index';

describe('topology', () => {
  it('uses the production names without a namespace', () => {
    const t = createTopology();
    expect(t.streams.telemetry).toMatchObject({ name: 'TELEMETRY', subjects: ['telemetry.>'], retention: 'limits' });
    expect(t.streams.events).toMatchObject({
      name: 'EVENTS',
      subjects: ['events.>'],
      maxAgeMs: 7 * 86_400_000,
      duplicateWindowMs: 300_000,
    });
    expect(t.streams.jobs).toMatchObject({ name: 'JOBS', subjects: ['jobs.>'], retention: 'workqueue', duplicateWindowMs: 300_000 });
    expect(Object.values(t.buckets).map((b) => b.name)).toEqual([
      'collectors',
      'device-leases',
      'sessions',
      'host-keys',
      'discovery-scans',
    ]);
    expect(t.subjects.telemetry('leaf-01', 'interfaces')).toBe('telemetry.leaf-01.interfaces');
    expect(t.subjects.sessionEvent('auth_failed')).toBe('events.session.auth_failed');
    expect(t.subjects.webhookEvent('nms', 'device.created')).toBe('events.webhook.nms.device.created');
    expect(t.subjects.job('discovery', 'discovery-scan')).toBe('jobs.discovery.discovery-scan');
    expect(t.subjects.jobQueue('discovery')).toBe('jobs.discovery.>');
    expect(t.subjects.scheduledJob('discovery', 'discovery-scan')).toBe('jobs._scheduled.discovery.discovery-scan');
    expect(t.subjects.scheduledJobs()).toBe('jobs._scheduled.>');
    expect(() => t.subjects.job('_scheduled', 'x')).toThrow(InvalidSubjectTokenError);
  });

  it('puts every name under a namespace', () => {
    const t = createTopology({ namespace: 'ci_1' });
    expect(t.streams.jobs.name).toBe('ci_1_JOBS');
    expect(t.streams.jobs.subjects).toEqual(['ci_1.jobs.>']);
    expect(t.buckets.sessions.name).toBe('ci_1-sessions');
    expect(t.subjects.alert('session_down')).toBe('ci_1.events.alert.session_down');
  });

  it.each(['leaf.01', 'leaf 01', '*', '>', '', 'Leaf-01', 'x'.repeat(129)])('rejects the device id %p in a subject', (device) => {
    expect(() => createTopology().subjects.telemetry(device, 'interfaces')).toThrow(InvalidSubjectTokenError);
  });

  it('keeps one copy of every stream and bucket unless told how many (NATS_REPLICAS on a cluster), and at most five', () => {
    const single = createTopology();
    const clustered = createTopology({ replicas: 3 });
    for (const spec of [...Object.values(single.streams), ...Object.values(single.buckets)]) expect(spec.replicas).toBe(1);
    for (const spec of [...Object.values(clustered.streams), ...Object.values(clustered.buckets)]) expect(spec.replicas).toBe(3);
    expect(() => createTopology({ replicas: 0 })).toThrow(RangeError);
    expect(() => createTopology({ replicas: 7 })).toThrow(RangeError);
  });

  it('rejects a namespace that would break names', () => {
    expect(() => createTopology({ namespace: 'a.b' })).toThrow(InvalidSubjectTokenError);
  });

  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, BusErrorCodes)).not.toThrow();
  });
});

import { deviceInputSchema, deviceRecordSchema, recordedDevice, type Device } from '@switch-telemetry/contracts';
import { connectionSpec, ownerOf, planSessions, subscriptionsSpec, type RunningSession } from './reconcile';

const running = (d: Device): RunningSession => ({ id: d.id, spec: connectionSpec(d), subscriptions: subscriptionsSpec(d) });

const device = (id: string, extra: Partial<Device> = {}): Device =>
  recordedDevice(
    deviceRecordSchema.parse({
      ...deviceInputSchema.parse({ id, name: id, protocol: 'gnmi', address: `127.10.0.${id.length}`, port: 57400 }),
      created_at: '2026-11-27T00:00:00Z',
      updated_at: '2026-11-27T00:00:00Z',
      ...extra,
    }),
  );

describe('planSessions', () => {
  const a = device('a');
  const b = device('bb');
  it.each([
    ['nothing running: start all', [a, b], [], { start: ['a', 'bb'], stop: [], restart: [], update: [] }],
    ['a device gone: stop it', [a], [running(a), running(b)], { start: [], stop: ['bb'], restart: [], update: ['a'] }],
    [
      'renamed and re-tagged: update, not restart',
      [{ ...a, name: 'renamed', tags: { site: 'x' } }],
      [running(a)],
      { start: [], stop: [], restart: [], update: ['a'] },
    ],
    ['new address: restart', [{ ...a, address: '10.0.0.1' }], [running(a)], { start: [], stop: [], restart: ['a'], update: [] }],
    ['new credentials: restart', [{ ...a, credentials: 'x' }], [running(a)], { start: [], stop: [], restart: ['a'], update: [] }],
    [
      'a subscription added (a profile edited): resubscribe on the live connection, not restart',
      [{ ...a, effective_subscriptions: [{ name: 's', paths: ['/x'], mode: 'sample' as const }] }],
      [running(a)],
      { start: [], stop: [], restart: [], resubscribe: ['a'], update: [] },
    ],
    ['disabled: stop', [{ ...a, enabled: false }], [running(a)], { start: [], stop: ['a'], restart: [], update: [] }],
  ])('%s', (_name, desired, running, expected) => {
    const plan = planSessions(desired as Device[], running);
    expect({
      start: plan.start.map((d) => d.id),
      stop: plan.stop,
      restart: plan.restart.map((d) => d.id),
      update: plan.update.map((d) => d.id),
      ...(plan.resubscribe.length > 0 ? { resubscribe: plan.resubscribe.map((d) => d.id) } : {}),
    }).toEqual(expected);
  });

  it('does not care about subscription order', () => {
    const s1 = { name: 's1', paths: ['/a'], mode: 'sample' as const };
    const s2 = { name: 's2', paths: ['/b'], mode: 'on_change' as const };
    expect(subscriptionsSpec({ ...a, effective_subscriptions: [s1, s2] })).toBe(
      subscriptionsSpec({ ...a, effective_subscriptions: [s2, s1] }),
    );
    expect(subscriptionsSpec({ ...a, effective_subscriptions: [s1] })).not.toBe(
      subscriptionsSpec({ ...a, effective_subscriptions: [s2, s1] }),
    );
  });
});

describe('ownerOf (rendezvous hashing)', () => {
  const devices = Array.from({ length: 1_000 }, (_, i) => `leaf-${i}`);
  it('spreads devices evenly and gives each exactly one owner', () => {
    const counts = new Map<string, number>();
    for (const d of devices) {
      const o = ownerOf(d, ['c1', 'c2', 'c3'])!;
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    for (const n of counts.values()) expect(n).toBeGreaterThan(250);
    expect([...counts.values()].reduce((x, y) => x + y, 0)).toBe(1_000);
  });

  it('moves only the leaving member devices when one goes', () => {
    const before = new Map(devices.map((d) => [d, ownerOf(d, ['c1', 'c2', 'c3'])]));
    const after = new Map(devices.map((d) => [d, ownerOf(d, ['c1', 'c3'])]));
    for (const d of devices) if (before.get(d) !== 'c2') expect(after.get(d)).toBe(before.get(d));
    expect(ownerOf('x', [])).toBeUndefined();
  });
});

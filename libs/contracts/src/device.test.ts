import {
  MAX_PROFILE_BYTES,
  MAX_SUBSCRIPTIONS_BYTES,
  deviceInputSchema,
  effectiveSubscriptions,
  subscriptionProfileInputSchema,
  type Subscription,
} from './index';

const sub = (name: string, extra: Partial<Subscription> = {}): Subscription => ({ name, paths: ['/interfaces'], mode: 'sample', ...extra });
const device = { id: 'leaf-1', name: 'leaf-1', protocol: 'gnmi' as const, address: '10.0.0.1', port: 57400 };
/** Subscriptions whose JSON is a little over `bytes`. */
const bulky = (bytes: number) =>
  Array.from({ length: 8 }, (_, i) =>
    sub(`s${i}`, { paths: Array.from({ length: Math.ceil(bytes / 8 / 1_000) }, (_, j) => `/${String(j).padEnd(999, 'x')}`) }),
  );

describe('effective subscriptions', () => {
  it("runs the profiles' in the order named, then the device's own; a later one of a name replaces an earlier one", () => {
    const profiles = new Map([
      ['base', { name: 'base', subscriptions: [sub('counters', { interval_ms: 10_000 }), sub('cpu')] }],
      ['fast', { name: 'fast', subscriptions: [sub('counters', { interval_ms: 1_000 })] }],
    ]);
    const own = [sub('cpu', { interval_ms: 5_000 })];
    const effective = effectiveSubscriptions({ protocol: 'gnmi', profiles: ['base', 'fast', 'missing'], subscriptions: own }, profiles);
    expect(effective).toEqual([sub('counters', { interval_ms: 1_000 }), sub('cpu', { interval_ms: 5_000 })]);
  });

  it('keeps only the modes the protocol runs, and one NETCONF notification stream', () => {
    const mixed = new Map([
      [
        'mixed',
        {
          name: 'mixed',
          subscriptions: [sub('g'), sub('n1', { mode: 'notification' }), sub('n2', { mode: 'notification' }), sub('p', { mode: 'get' })],
        },
      ],
    ]);
    expect(effectiveSubscriptions({ protocol: 'gnmi', profiles: ['mixed'], subscriptions: [] }, mixed).map((s) => s.name)).toEqual(['g']);
    expect(effectiveSubscriptions({ protocol: 'netconf', profiles: ['mixed'], subscriptions: [] }, mixed).map((s) => s.name)).toEqual([
      'n2',
      'p',
    ]);
  });
});

describe('size bounds that keep a device event below NATS max_payload', () => {
  it("refuses a device's own subscriptions above MAX_SUBSCRIPTIONS_BYTES and a profile above MAX_PROFILE_BYTES", () => {
    expect(deviceInputSchema.safeParse({ ...device, subscriptions: bulky(MAX_SUBSCRIPTIONS_BYTES / 2) }).success).toBe(true);
    const big = deviceInputSchema.safeParse({ ...device, subscriptions: bulky(MAX_SUBSCRIPTIONS_BYTES) });
    expect(big.success).toBe(false);
    expect(big.error?.issues[0]?.message).toMatch(/bytes of subscriptions/);
    expect(subscriptionProfileInputSchema.safeParse({ subscriptions: bulky(MAX_PROFILE_BYTES / 2) }).success).toBe(true);
    expect(subscriptionProfileInputSchema.safeParse({ subscriptions: bulky(MAX_PROFILE_BYTES) }).success).toBe(false);
  });
});

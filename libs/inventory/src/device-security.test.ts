import { deviceInputSchema, type DeviceInput } from '@switch-telemetry/contracts';
import { securityChanges } from './device-security';

const base: DeviceInput = deviceInputSchema.parse({
  id: 'leaf-1',
  name: 'Leaf 1',
  protocol: 'gnmi',
  address: '10.0.0.1',
  port: 57400,
  credentials: 'core',
});
const with_ = (extra: Record<string, unknown>) => deviceInputSchema.parse({ ...base, ...extra });

describe('which changes need the admin scope', () => {
  it.each<[string, DeviceInput | undefined, DeviceInput, string[]]>([
    ['a new device without credentials or weaker checks', undefined, with_({ credentials: null }), []],
    ['a new device with credentials', undefined, base, ['credentials']],
    [
      'a new device in plaintext with TOFU',
      undefined,
      with_({ credentials: null, tls: { plaintext: true }, host_key: { trust_on_first_use: true } }),
      ['tls.plaintext', 'host_key.trust_on_first_use'],
    ],
    [
      'a new device that skips certificate checks',
      undefined,
      with_({ credentials: null, tls: { insecure_skip_verify: true } }),
      ['tls.insecure_skip_verify'],
    ],
    [
      'renaming, tagging, disabling, subscriptions',
      base,
      with_({ name: 'x', tags: { a: 'b' }, enabled: false, subscriptions: [{ name: 's', paths: ['/a'], mode: 'sample' }] }),
      [],
    ],
    ['moving the device elsewhere', base, with_({ address: '192.0.2.1' }), ['address']],
    ['another port', base, with_({ port: 6030 }), ['port']],
    ['other credentials', base, with_({ credentials: 'other' }), ['credentials']],
    ['the other protocol', base, with_({ protocol: 'netconf' }), ['protocol']],
    ['turning TLS off', base, with_({ tls: { plaintext: true } }), ['tls.plaintext']],
    ['another CA', with_({ tls: { ca: 'a.pem' } }), with_({ tls: { ca: 'b.pem' } }), ['tls.ca']],
    [
      'host-key pins and TOFU',
      base,
      with_({ host_key: { fingerprints: [`SHA256:${'B'.repeat(43)}`], trust_on_first_use: true } }),
      ['host_key.fingerprints', 'host_key.trust_on_first_use'],
    ],
  ])('%s', (_what, current, next, expected) => {
    expect(securityChanges(current, next)).toEqual(expected);
  });
});

describe('device records', () => {
  it.each(['env:DATABASE_URL', 'file:/proc/self/environ', '/etc/shadow', 'Core', '../x', ''])(
    'refuses %j as a credential name',
    (credentials) => {
      expect(deviceInputSchema.safeParse({ ...base, credentials }).success).toBe(false);
    },
  );

  it.each([
    ['tls', { ca: '/etc/ssl/ca.pem' }],
    ['tls', { ca_file: 'ca.pem' }],
    ['host_key', { known_hosts: '../known_hosts' }],
    ['host_key', { known_hosts_file: '/root/.ssh/known_hosts' }],
  ])('refuses a path or an old field in %s: %j', (field, value) => {
    expect(deviceInputSchema.safeParse({ ...base, [field]: value }).success).toBe(false);
  });

  it('caps tags and subscriptions and refuses two subscriptions of one name', () => {
    const tags = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(deviceInputSchema.safeParse({ ...base, tags }).success).toBe(false);
    const sub = { name: 's', paths: ['/a'], mode: 'sample' };
    expect(deviceInputSchema.safeParse({ ...base, subscriptions: [sub, sub] }).success).toBe(false);
    expect(
      deviceInputSchema.safeParse({ ...base, subscriptions: Array.from({ length: 65 }, (_, i) => ({ ...sub, name: `s${i}` })) }).success,
    ).toBe(false);
  });
});

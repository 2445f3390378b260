import { netboxSourceSchema, mapNetboxDevice, type Mapped, type NetboxSource } from '../src';
import { netboxDevice, netboxDevices } from '../src/testing';

const source = (extra: Record<string, unknown> = {}): NetboxSource =>
  netboxSourceSchema.parse({
    name: 'dc1',
    url: 'https://netbox.example.com',
    allowed_subnets: ['10.0.0.0/8', '2001:db8::/32'],
    allowed_credentials: ['leaf-creds'],
    select: { statuses: ['active'], tags: ['telemetry'] },
    platforms: {
      eos: { protocol: 'gnmi', port: 6030, credentials: 'arista', profiles: ['base'] },
      junos: { protocol: 'netconf', host_key: { trust_on_first_use: true } },
    },
    profiles_field: 'telemetry_profiles',
    profile_tag_prefix: 'profile-',
    credentials_field: 'telemetry_credentials',
    ...extra,
  });

const monitored = (m: ReturnType<typeof mapNetboxDevice>) => {
  if (m.state !== 'monitored') throw new Error(`expected monitored, got ${m.state}: ${'reason' in m ? m.reason : ''}`);
  return m.device;
};

describe('mapping a NetBox device through a source', () => {
  it('maps platform, address (mask stripped), credentials, profiles and tags into one of our devices', () => {
    const device = monitored(
      mapNetboxDevice(
        netboxDevice(42, {
          name: 'leaf-42',
          ip4: '10.1.2.3/24',
          tags: ['telemetry', 'profile-bgp'],
          customFields: { telemetry_profiles: 'leaf-counters, optics', telemetry_credentials: 'leaf-creds' },
        }),
        source(),
      ),
    );
    expect(device).toMatchObject({
      id: 'nb-dc1-42',
      name: 'leaf-42',
      protocol: 'gnmi',
      address: '10.1.2.3',
      port: 6030,
      credentials: 'leaf-creds',
      profiles: ['base', 'leaf-counters', 'optics', 'bgp'],
      enabled: true,
      subscriptions: [],
    });
    expect(device.tags).toMatchObject({ 'netbox.id': '42', 'netbox.site': 'dc1', 'netbox.platform': 'eos', 'netbox.tag.telemetry': '' });
  });

  it('takes an IPv6-only device by its bare address, and prefers IPv6 when the source says so', () => {
    const v6only = monitored(mapNetboxDevice(netboxDevice(7, { ip4: null, ip6: '2001:db8::7/64', tags: ['telemetry'] }), source()));
    expect(v6only.address).toBe('2001:db8::7');
    const both = netboxDevice(8, { ip4: '10.0.0.8/24', ip6: '2001:db8::8/64', tags: ['telemetry'] });
    expect(monitored(mapNetboxDevice(both, source())).address).toBe('10.0.0.8');
    expect(monitored(mapNetboxDevice(both, source({ address: 'ipv6-first' }))).address).toBe('2001:db8::8');
  });

  it('uses the platform default port and the older device_role field', () => {
    const device = monitored(
      mapNetboxDevice(netboxDevice(9, { platform: 'junos', legacyRole: true, role: 'spine', tags: ['telemetry'] }), source()),
    );
    expect(device).toMatchObject({ protocol: 'netconf', port: 830, host_key: { trust_on_first_use: true } });
    expect(device.tags['netbox.role']).toBe('spine');
  });

  it.each<[string, Parameters<typeof netboxDevice>[1], Record<string, unknown>, Mapped['state'], RegExp]>([
    ['an offline device', { status: 'offline', tags: ['telemetry'] }, {}, 'excluded', /status offline/],
    ['a device without the tag', { tags: [] }, {}, 'excluded', /lacks the tag telemetry/],
    [
      'a role not selected',
      { role: 'leaf', tags: ['telemetry'] },
      { select: { tags: ['telemetry'], roles: ['spine'] } },
      'excluded',
      /role leaf/,
    ],
    [
      'a site not selected',
      { site: 'dc2', tags: ['telemetry'] },
      { select: { tags: ['telemetry'], sites: ['dc1'] } },
      'excluded',
      /site dc2/,
    ],
    [
      'a custom field not set',
      { tags: ['telemetry'], customFields: { monitored: false } },
      { select: { tags: ['telemetry'], custom_field: { name: 'monitored', equals: true } } },
      'excluded',
      /custom field monitored/,
    ],
    ['no platform', { platform: null, tags: ['telemetry'] }, {}, 'unmonitorable', /no platform and the source has no default_platform/],
    ['an unmapped platform', { platform: 'iosxr', tags: ['telemetry'] }, {}, 'unmonitorable', /platform iosxr has no mapping/],
    ['no primary IP', { ip4: null, ip6: null, tags: ['telemetry'] }, {}, 'unmonitorable', /no primary IP/],
    ['a primary IP that is not one', { ip4: 'not-an-ip/24', tags: ['telemetry'] }, {}, 'unmonitorable', /not an IP address/],
    ['a link-local IPv6 with a zone', { ip4: null, ip6: 'fe80::1%eth0/64', tags: ['telemetry'] }, {}, 'unmonitorable', /not an IP address/],
    [
      'credentials that are not a name',
      { tags: ['telemetry'], customFields: { telemetry_credentials: '../../etc/shadow' } },
      {},
      'unmonitorable',
      /telemetry_credentials/,
    ],
    [
      'a profile name that is not one',
      { tags: ['telemetry'], customFields: { telemetry_profiles: ['Bad Name!'] } },
      {},
      'unmonitorable',
      /profile name/,
    ],
  ])('%s: %s', (_what, fields, extra, state, reason) => {
    const mapped = mapNetboxDevice(netboxDevice(11, fields), source(extra));
    expect(mapped.state).toBe(state);
    expect('reason' in mapped ? mapped.reason : '').toMatch(reason);
  });

  it('takes a loopback address only when an allowed subnet inside loopback lists it', () => {
    const lab = source({ allowed_subnets: ['127.10.0.0/16'] });
    expect(monitored(mapNetboxDevice(netboxDevice(21, { ip4: '127.10.0.21/32', tags: ['telemetry'] }), lab)).address).toBe('127.10.0.21');
  });

  it('refuses a source that would send its token over http, or lets NetBox users name credentials without a list', () => {
    const base = { name: 'x', url: 'http://netbox.example.com', allowed_subnets: ['10.0.0.0/8'] };
    expect(netboxSourceSchema.safeParse(base).success).toBe(false);
    expect(netboxSourceSchema.safeParse({ ...base, insecure_http: true }).success).toBe(true);
    expect(netboxSourceSchema.safeParse({ ...base, url: 'https://nb', credentials_field: 'creds' }).success).toBe(false);
    expect(netboxSourceSchema.safeParse({ ...base, url: 'https://nb', allowed_subnets: [] }).success).toBe(false);
    expect(netboxSourceSchema.safeParse({ ...base, url: 'https://nb', allowed_subnets: ['not a cidr'] }).success).toBe(false);
  });

  it('falls back to default_platform for a null or unmapped platform', () => {
    const withDefault = source({ default_platform: { protocol: 'gnmi' } });
    expect(monitored(mapNetboxDevice(netboxDevice(12, { platform: null, tags: ['telemetry'] }), withDefault))).toMatchObject({
      port: 57400,
    });
  });

  it('tells a device with a broken shape (unmonitorable, with the field) from an object that is no device at all (invalid)', () => {
    const broken = mapNetboxDevice({ id: 13, name: 'x', tags: 'nope' }, source());
    expect(broken).toMatchObject({ state: 'unmonitorable', objectId: 13, reason: expect.stringContaining('tags') });
    expect(mapNetboxDevice({ name: 'no id' }, source())).toMatchObject({ state: 'invalid' });
    expect(mapNetboxDevice('a string', source())).toMatchObject({ state: 'invalid' });
  });

  it('maps a mixed fleet: each kind of device ends where it should', () => {
    const fleet = netboxDevices(1_000, { mixed: true });
    const states = fleet.map((d) =>
      mapNetboxDevice(d, source({ platforms: { eos: { protocol: 'gnmi' }, junos: { protocol: 'netconf' } } })),
    );
    const count = (s: string) => states.filter((m) => m.state === s).length;
    expect(count('monitored') + count('excluded') + count('unmonitorable')).toBe(1_000);
    // Every device with neither address nor platform mapping is unmonitorable, never monitored.
    for (const [i, m] of states.entries()) {
      const nb = fleet[i]!;
      if (m.state === 'monitored') {
        expect(nb.primary_ip4 ?? nb.primary_ip6).not.toBeNull();
        expect(['eos', 'junos']).toContain(nb.platform?.slug);
        expect(m.device.address).not.toContain('/');
      }
    }
    expect(count('monitored')).toBeGreaterThan(300);
    expect(count('unmonitorable')).toBeGreaterThan(300);
  });
});

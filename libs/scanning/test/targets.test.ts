import { assertUniqueCodes, ErrorCodes } from '@switch-telemetry/errors';
import { ScanningErrorCodes, SubnetPolicy, SubnetRefusedError, hostCount, hostsOf, parseSubnet, subnetHolds } from '../src';

describe('parseSubnet', () => {
  it.each([
    ['10.0.0.7/24', '10.0.0.0/24', 256n],
    ['10.0.0.7/31', '10.0.0.6/31', 2n],
    ['10.0.0.7/32', '10.0.0.7/32', 1n],
    ['2001:db8::17/120', '2001:db8::/120', 256n],
    ['2001:DB8::1/128', '2001:db8::1/128', 1n],
  ])('%s is the network %s of %s addresses', (text, cidr, size) => {
    expect(parseSubnet(text)).toMatchObject({ cidr, size });
  });

  it.each([
    '10.0.0.0',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0/24',
    '010.0.0.0/24',
    '0x0a.0.0.0/24',
    '::ffff:10.0.0.0/120',
    'a.b.c.d/8',
    '10.0.0.0/-1',
    '',
  ])('refuses %j', (text) => {
    expect(parseSubnet(text)).toBeUndefined();
  });
});

describe('the addresses of a subnet', () => {
  it.each([
    ['192.0.2.0/30', ['192.0.2.1', '192.0.2.2']],
    ['192.0.2.0/31', ['192.0.2.0', '192.0.2.1']],
    ['192.0.2.9/32', ['192.0.2.9']],
    ['2001:db8::/126', ['2001:db8::1', '2001:db8::2', '2001:db8::3']],
    ['2001:db8::/127', ['2001:db8::', '2001:db8::1']],
    ['2001:db8::5/128', ['2001:db8::5']],
  ])('%s: network and broadcast skipped for IPv4 wider than /31, the subnet-router address for IPv6 wider than /127', (cidr, hosts) => {
    const subnet = parseSubnet(cidr)!;
    expect([...hostsOf(subnet)]).toEqual(hosts);
    expect(hostCount(subnet)).toBe(hosts.length);
  });

  it('counts a /16 as 65,534 hosts and yields them lazily', () => {
    const subnet = parseSubnet('10.1.0.0/16')!;
    expect(hostCount(subnet)).toBe(65_534);
    const it = hostsOf(subnet);
    expect([it.next().value, it.next().value]).toEqual(['10.1.0.1', '10.1.0.2']);
  });
});

describe('subnetHolds', () => {
  it('tells whether an address lies in the subnet, and refuses what is no address', () => {
    const v4 = parseSubnet('10.1.0.0/16')!;
    expect(subnetHolds(v4, '10.1.255.7')).toBe(true);
    expect(subnetHolds(v4, '10.2.0.1')).toBe(false);
    expect(subnetHolds(v4, 'leaf-1.example.com')).toBe(false);
    expect(subnetHolds(v4, '::ffff:10.1.0.1')).toBe(false);
    expect(subnetHolds(parseSubnet('2001:db8::/120')!, '2001:db8::ff')).toBe(true);
  });
});

describe('SubnetPolicy', () => {
  it('refuses a subnet wider than the limit, naming it, and takes configured limits', () => {
    expect(() => new SubnetPolicy().check('10.0.0.0/15')).toThrow(/wider than \/16/);
    expect(() => new SubnetPolicy().check('2001:db8::/111')).toThrow(/wider than \/112/);
    expect(new SubnetPolicy().check('10.0.0.0/16').cidr).toBe('10.0.0.0/16');
    expect(() => new SubnetPolicy({ maxPrefixV4: 24 }).check('10.0.0.0/23')).toThrow(/wider than \/24/);
  });

  it('keeps scans inside the allow-list when there is one, naming it', () => {
    const policy = new SubnetPolicy({ allowed: SubnetPolicy.allowedFromList('10.20.0.0/16, 2001:db8:1::/64') });
    expect(policy.check('10.20.3.0/24').cidr).toBe('10.20.3.0/24');
    expect(policy.check('2001:db8:1::/120').cidr).toBe('2001:db8:1::/120');
    expect(() => policy.check('10.21.0.0/24')).toThrow(/not inside the allowed subnets \(10\.20\.0\.0\/16, 2001:db8:1::\/64\)/);
    // Overlapping is not inside.
    expect(() => policy.check('10.20.0.0/15')).toThrow(SubnetRefusedError);
  });

  it.each(['127.0.0.0/24', '169.254.169.0/24', '0.0.0.0/24', '224.0.0.0/24', '::1/128', 'fe80::/112', 'fd00:ec2::200/120'])(
    'refuses the special range %s unless an allowed subnet covers it',
    (cidr) => {
      expect(() => new SubnetPolicy().check(cidr)).toThrow(SubnetRefusedError);
    },
  );

  it('scans loopback when the operator lists it (tests, labs)', () => {
    expect(new SubnetPolicy({ allowed: ['127.0.0.0/8'] }).check('127.88.0.0/16').cidr).toBe('127.88.0.0/16');
  });

  it('refuses a malformed allow-list entry at start-up and a malformed subnet with a typed error', () => {
    expect(() => new SubnetPolicy({ allowed: ['10.0.0.0/8', 'lab'] })).toThrow(/"lab" is not a CIDR/);
    expect(() => new SubnetPolicy().check('10.0.0.0/99')).toThrow(/is not a subnet/);
  });

  it('has codes no other lib uses', () => {
    expect(() => assertUniqueCodes(ErrorCodes, ScanningErrorCodes)).not.toThrow();
  });
});

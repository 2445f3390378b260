import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import { InvalidCidrError, InventoryErrorCodes, normalizeCidr } from './index';

describe('normalizeCidr', () => {
  it.each([
    ['10.0.0.0/24', '10.0.0.0/24'],
    ['10.0.0.77/24', '10.0.0.0/24'],
    [' 192.168.17.5/16 ', '192.168.0.0/16'],
    ['127.10.0.1/32', '127.10.0.1/32'],
    ['2001:db8::17/120', '2001:db8::/120'],
    ['fd00:0:0:0:0:0:0:1/128', 'fd00::1/128'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeCidr(input)).toBe(expected);
  });

  it.each([
    ['10.0.0.0', 'is not address/prefix'],
    ['10.0.0.0/33', 'over 32'],
    ['10.0.0.0/8', 'wider than /16'],
    ['10.0.0.256/24', 'is not an IPv4 or IPv6 address'],
    ['leaf-01/24', 'is not an IPv4 or IPv6 address'],
    ['2001:db8::/64', 'wider than /112'],
    ['::ffff:10.0.0.1/128', 'is not an IPv4 or IPv6 address'],
    ['10.0.0.0/024x', 'is not address/prefix'],
    ['', 'is not address/prefix'],
  ])('refuses %p (%s)', (input, message) => {
    expect(() => normalizeCidr(input)).toThrow(InvalidCidrError);
    expect(() => normalizeCidr(input)).toThrow(message);
  });

  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, InventoryErrorCodes)).not.toThrow();
  });
});

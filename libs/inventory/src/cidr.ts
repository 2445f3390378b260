import { isIPv4, isIPv6 } from 'node:net';
import { InvalidCidrError } from './errors';

// The widest subnets a discovery job may scan: 65,536 IPv4 addresses, or as many IPv6.
export const MIN_IPV4_PREFIX = 16;
export const MIN_IPV6_PREFIX = 112;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function expandIpv6(ip: string): bigint {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

function compressIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * Parses `a.b.c.d/n` or `x::y/n` into its canonical network form
 * (`10.0.0.7/24` → `10.0.0.0/24`). Throws InvalidCidrError naming what is wrong.
 */
export function normalizeCidr(input: string): string {
  if (typeof input !== 'string' || input.length > 64) throw new InvalidCidrError('a subnet is a string like 10.0.0.0/24');
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(input.trim());
  if (!match) throw new InvalidCidrError(`"${input.slice(0, 64)}" is not address/prefix`);
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  if (isIPv4(address)) {
    if (prefix > 32) throw new InvalidCidrError(`IPv4 prefix /${prefix} is over 32`);
    if (prefix < MIN_IPV4_PREFIX) throw new InvalidCidrError(`IPv4 prefix /${prefix} is wider than /${MIN_IPV4_PREFIX}`);
    const size = 2 ** (32 - prefix);
    const network = Math.floor(ipv4ToInt(address) / size) * size;
    return `${intToIpv4(network)}/${prefix}`;
  }
  if (isIPv6(address) && !address.includes('.') && !address.includes('%')) {
    if (prefix > 128) throw new InvalidCidrError(`IPv6 prefix /${prefix} is over 128`);
    if (prefix < MIN_IPV6_PREFIX) throw new InvalidCidrError(`IPv6 prefix /${prefix} is wider than /${MIN_IPV6_PREFIX}`);
    const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
    return `${compressIpv6(expandIpv6(address) & mask)}/${prefix}`;
  }
  throw new InvalidCidrError(`"${address.slice(0, 64)}" is not an IPv4 or IPv6 address`);
}

import ipaddr from 'ipaddr.js';
import { InvalidSubnetListError, SubnetRefusedError } from './errors';

/** The widest subnets a scan may cover by default: 65,536 addresses either way. */
export const DEFAULT_MAX_PREFIX_V4 = 16;
export const DEFAULT_MAX_PREFIX_V6 = 112;

/** A subnet as numbers: its first address and how many there are. */
export interface Subnet {
  /** Normalised: `10.0.0.7/24` → `10.0.0.0/24`. */
  cidr: string;
  family: 4 | 6;
  prefix: number;
  first: bigint;
  size: bigint;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function toBigint(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return address.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
}

/** The text of an address given as a number. */
export function addressText(value: bigint, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0; i < bits(family) / 8; i += 1) bytes.unshift(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses `address/prefix` (IPv4, or IPv6 in its usual forms) into its network; undefined when it is not one. */
export function parseSubnet(text: string): Subnet | undefined {
  const match = /^([0-9a-fA-F:.]{2,45})\/(\d{1,3})$/.exec(text.trim());
  if (!match || !ipaddr.isValid(match[1]!)) return undefined;
  const parsed = ipaddr.parse(match[1]!);
  // A dotted IPv4 form only as plain IPv4: `::ffff:10.0.0.1/120` would scan IPv4 addresses under another name.
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(match[1]!)) return undefined;
  if (parsed.kind() === 'ipv6' && match[1]!.includes('.')) return undefined;
  const family = parsed.kind() === 'ipv4' ? 4 : 6;
  const prefix = Number(match[2]);
  if (prefix > bits(family)) return undefined;
  const size = 1n << BigInt(bits(family) - prefix);
  const first = (toBigint(parsed) / size) * size;
  return { cidr: `${addressText(first, family)}/${prefix}`, family, prefix, first, size };
}

/** Whether `address` (an IP address in its usual form) lies inside `subnet`; false for anything else. */
export function subnetHolds(subnet: Subnet, address: string): boolean {
  const single = parseSubnet(`${address}/${address.includes(':') ? 128 : 32}`);
  return single !== undefined && contains(subnet, single);
}

const contains = (outer: Subnet, inner: Subnet) =>
  outer.family === inner.family && outer.prefix <= inner.prefix && inner.first >= outer.first && inner.first < outer.first + outer.size;
const overlaps = (a: Subnet, b: Subnet) => a.family === b.family && a.first < b.first + b.size && b.first < a.first + a.size;

/**
 * Ranges a scan never reaches unless an allow-list entry covers them: the node itself, links it sits on, cloud
 * metadata, and addresses of no host at all.
 */
const SPECIAL: ReadonlyArray<{ name: string; subnet: Subnet }> = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (and cloud metadata)'],
  ['224.0.0.0/3', 'multicast or reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['ff00::/8', 'multicast'],
].map(([cidr, name]) => ({ name: name!, subnet: parseSubnet(cidr!)! }));

/**
 * Why a device may not be given `address` under the allow-list `allowed`, or
 * undefined when it may: it must lie inside an allowed subnet, and an address
 * of a special range (loopback, link-local and cloud metadata, unspecified,
 * multicast) only inside an allowed subnet that lies in that range itself
 * (`127.10.0.0/16` lets a lab's loopback devices in; `0.0.0.0/0` does not let
 * 169.254.169.254 in).
 */
export function addressRefusal(address: string, allowed: readonly Subnet[]): string | undefined {
  const single = parseSubnet(`${address}/${address.includes(':') ? 128 : 32}`);
  if (!single) return `${address.slice(0, 64)} is not an IP address`;
  const covering = allowed.filter((entry) => contains(entry, single));
  if (covering.length === 0)
    return `${single.cidr.split('/')[0]} is outside the allowed subnets (${allowed.map((a) => a.cidr).join(', ')})`;
  const special = SPECIAL.find((s) => contains(s.subnet, single));
  if (special && !covering.some((entry) => contains(special.subnet, entry))) {
    return `${single.cidr.split('/')[0]} is ${special.name}: allowed only by an allowed subnet inside that range`;
  }
  return undefined;
}

export interface SubnetPolicyOptions {
  /** DISCOVERY_ALLOWED_SUBNETS: when not empty, only subnets inside one of these may be scanned. */
  allowed?: readonly string[];
  maxPrefixV4?: number;
  maxPrefixV6?: number;
}

/**
 * What a scan may cover: at most the configured width, inside the operator's allow-list when there is one, and
 * never loopback, link-local, metadata or multicast ranges unless an entry of the list covers them, so a write
 * token cannot turn the cluster into a scanner of whatever it can reach.
 */
export class SubnetPolicy {
  readonly allowed: readonly Subnet[];
  readonly maxPrefixV4: number;
  readonly maxPrefixV6: number;

  constructor(options: SubnetPolicyOptions = {}) {
    this.allowed = (options.allowed ?? []).map((entry) => {
      const subnet = parseSubnet(entry);
      if (!subnet) throw new InvalidSubnetListError(`allowed subnet "${entry.slice(0, 64)}" is not a CIDR (10.0.0.0/16, 2001:db8::/64)`);
      return subnet;
    });
    this.maxPrefixV4 = options.maxPrefixV4 ?? DEFAULT_MAX_PREFIX_V4;
    this.maxPrefixV6 = options.maxPrefixV6 ?? DEFAULT_MAX_PREFIX_V6;
  }

  /** A comma/space separated DISCOVERY_ALLOWED_SUBNETS value. */
  static allowedFromList(value: string): string[] {
    return value.split(/[\s,]+/).filter((entry) => entry !== '');
  }

  /** The subnet, normalised, when a scan may cover it; a SubnetRefusedError saying why otherwise. */
  check(text: string): Subnet {
    const subnet = parseSubnet(text);
    if (!subnet) throw new SubnetRefusedError(`"${text.slice(0, 64)}" is not a subnet like 10.0.0.0/24 or 2001:db8::/120`);
    const limit = subnet.family === 4 ? this.maxPrefixV4 : this.maxPrefixV6;
    if (subnet.prefix < limit) {
      throw new SubnetRefusedError(`${subnet.cidr} is wider than /${limit}, the largest IPv${subnet.family} scan allowed`, {
        details: { limit: `/${limit}` },
      });
    }
    const listed = this.allowed.some((entry) => contains(entry, subnet));
    if (this.allowed.length > 0 && !listed) {
      throw new SubnetRefusedError(`${subnet.cidr} is not inside the allowed subnets (${this.allowed.map((a) => a.cidr).join(', ')})`);
    }
    const special = SPECIAL.find((s) => overlaps(s.subnet, subnet));
    if (special && !listed) {
      throw new SubnetRefusedError(`${subnet.cidr} is ${special.name}: scanned only when an allowed subnet covers it`);
    }
    return subnet;
  }
}

/**
 * The addresses a scan probes, in order: all of them, but for IPv4 wider than /31 the network and broadcast
 * addresses, and for IPv6 wider than /127 the all-zero host (the subnet-router anycast address).
 */
export function* hostsOf(subnet: Subnet): Generator<string> {
  const skipFirst = subnet.family === 4 ? subnet.prefix < 31 : subnet.prefix < 127;
  const skipLast = subnet.family === 4 && subnet.prefix < 31;
  const end = subnet.first + subnet.size - (skipLast ? 1n : 0n);
  for (let n = subnet.first + (skipFirst ? 1n : 0n); n < end; n += 1n) yield addressText(n, subnet.family);
}

/** How many addresses `hostsOf` yields. */
export function hostCount(subnet: Subnet): number {
  const skipped = subnet.family === 4 ? (subnet.prefix < 31 ? 2n : 0n) : subnet.prefix < 127 ? 1n : 0n;
  return Number(subnet.size - skipped);
}

import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { AddressRefusedError, InvalidAllowListError, InvalidWebhookUrlError } from './errors';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
type Network = readonly [Ip, number];

// Cloud instance metadata services: credentials live there, so they get their own name in refusals.
const METADATA: readonly Ip[] = [ipaddr.parse('169.254.169.254'), ipaddr.parse('fd00:ec2::254')];
const IPV4_COMPATIBLE: Network = [ipaddr.parse('::'), 96];
const NAT64_WELL_KNOWN: Network = [ipaddr.parse('64:ff9b::'), 96];
const GLOBAL_UNICAST: Network = [ipaddr.parse('2000::'), 3];

/**
 * Parses an IP literal that net.isIP accepts. ipaddr.js reads any "::a.b.c.d" as "::ffff:a.b.c.d", a different
 * address, so a dotted IPv4 tail is rewritten as two hex groups first.
 */
function parseIp(address: string): Ip | undefined {
  const family = isIP(address);
  if (family === 4) return ipaddr.IPv4.parse(address);
  if (family !== 6) return undefined;
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)(?=%|$)/, (_all, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((group) => group.toString(16)).join(':'),
  );
  try {
    return ipaddr.IPv6.parse(hex);
  } catch {
    // Zone ids net.isIP takes and ipaddr.js does not (fe80::1%eth-0).
    return undefined;
  }
}

/** The address as matched against allow-list networks: IPv4-mapped IPv6 as plain IPv4. */
function unmapped(ip: Ip): Ip {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function inNetwork(ip: Ip, [network, bits]: Network): boolean {
  // ipaddr.js throws when matching an IPv4 address against an IPv6 network and vice versa.
  return ip.kind() === network.kind() && ip.match(network, bits);
}

function isMetadata(ip: Ip): boolean {
  return METADATA.some((m) => inNetwork(ip, [m, m.kind() === 'ipv4' ? 32 : 128]));
}

function v4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function v4Range(ip: ipaddr.IPv4): string | undefined {
  if (isMetadata(ip)) return 'metadata';
  const range: string = ip.range();
  return range === 'unicast' ? undefined : range;
}

function v6Range(ip: ipaddr.IPv6): string | undefined {
  if (isMetadata(ip)) return 'metadata';
  const p = ip.parts;
  // The d.ts lists fewer names than the library returns: compare as plain strings.
  const range: string = ip.range();
  switch (range) {
    case 'ipv4Mapped':
      return v4Range(ip.toIPv4Address());
    case 'rfc6052':
      // Where the local-use prefix (64:ff9b:1::/48) puts the IPv4 address is each network's choice: refuse it whole.
      return inNetwork(ip, NAT64_WELL_KNOWN) ? v4Range(v4(p[6]!, p[7]!)) : 'nat64';
    case '6to4':
      return v4Range(v4(p[1]!, p[2]!));
    case 'unicast':
      // ::a.b.c.d is deprecated and has no honest use; name the embedded range when that is itself refused.
      if (inNetwork(ip, IPV4_COMPATIBLE)) return v4Range(v4(p[6]!, p[7]!)) ?? 'ipv4Compatible';
      // Outside 2000::/3 nothing is allocated for global unicast (ipaddr.js calls it unicast anyway).
      return inNetwork(ip, GLOBAL_UNICAST) ? undefined : 'reserved';
    default:
      return range;
  }
}

/**
 * The name of the special range that makes an IP literal (IPv4 or IPv6, no brackets) unfit as a webhook destination,
 * or undefined for an ordinary public address. Not an IP literal: `'invalid'`.
 * Names are ipaddr.js's (`loopback`, `private`, `linkLocal`, `uniqueLocal`, `carrierGradeNat`, `reserved`, `teredo`, ...)
 * plus `metadata`, `nat64`, `ipv4Compatible`; an IPv6 form that embeds an IPv4 address is judged by that address.
 */
export function blockedRange(address: string): string | undefined {
  // net.isIP only takes the usual forms, where ipaddr.js would also read 127.1 or 0x7f000001.
  const ip = parseIp(address);
  if (ip === undefined) return 'invalid';
  return ip.kind() === 'ipv4' ? v4Range(ip as ipaddr.IPv4) : v6Range(ip as ipaddr.IPv6);
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normalHost(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
// A last label WHATWG URL would read as (part of) an IPv4 address.
const NUMERIC_LABEL = /^(\d+|0x[0-9a-f]*)$/;

function hostnameEntry(value: string): string | undefined {
  // domainToASCII would percent-decode: an entry means what it says or nothing.
  if (value.includes('%')) return undefined;
  const ascii = domainToASCII(value);
  const labels = ascii.split('.');
  if (ascii === '' || ascii.length > 253 || !labels.every((l) => LABEL.test(l))) return undefined;
  return NUMERIC_LABEL.test(labels[labels.length - 1]!) ? undefined : ascii;
}

function networkEntry(value: string): Network | undefined {
  const [address = '', prefix, ...rest] = value.split('/');
  const ip = parseIp(address);
  if (ip === undefined || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return undefined;
  const full = ip.kind() === 'ipv4' ? 32 : 128;
  const bits = prefix === undefined ? full : Number(prefix);
  if (bits > full) return undefined;
  // Addresses are matched in their IPv4 form when IPv4-mapped (see inAllowedNetwork): store mapped entries the same way.
  const v4Form = unmapped(ip);
  if (v4Form !== ip && bits >= 96) return [v4Form, bits - 96];
  return [ip, bits];
}

type Entry =
  | { kind: 'network'; network: Network; text: string }
  | { kind: 'suffix'; suffix: string; text: string }
  | { kind: 'hostname'; hostname: string; text: string };

function parseEntry(raw: string): Entry | undefined {
  const value = normalHost(unbracket(raw.trim()));
  if (value.includes('/') || isIP(value) !== 0) {
    const network = networkEntry(value);
    return network && { kind: 'network', network, text: value };
  }
  if (value.startsWith('*.')) {
    const suffix = hostnameEntry(value.slice(2));
    return suffix === undefined ? undefined : { kind: 'suffix', suffix, text: `*.${suffix}` };
  }
  const hostname = hostnameEntry(value);
  return hostname === undefined ? undefined : { kind: 'hostname', hostname, text: hostname };
}

/**
 * Which webhook destinations are allowed although they would be refused: hostnames (exact), `*.domain` (any subdomain,
 * not the apex), IP addresses and CIDRs. A hostname entry trusts whatever the name resolves to.
 */
export class AddressPolicy {
  /** The entries in normal form (lower case, no trailing dot), for logs. */
  readonly entries: readonly string[];
  readonly #hostnames = new Set<string>();
  readonly #suffixes: string[] = [];
  readonly #networks: Network[] = [];

  constructor(allowed: readonly string[]) {
    const entries: string[] = [];
    for (const raw of allowed) {
      const entry = parseEntry(raw);
      if (entry === undefined) {
        throw new InvalidAllowListError(`allow-list entry "${raw}" is neither a hostname, *.domain, IP address nor CIDR`, {
          details: { entry: raw },
        });
      }
      if (entry.kind === 'network') this.#networks.push(entry.network);
      else if (entry.kind === 'suffix') this.#suffixes.push(`.${entry.suffix}`);
      else this.#hostnames.add(entry.hostname);
      entries.push(entry.text);
    }
    this.entries = Object.freeze(entries);
  }

  /** A comma and/or whitespace separated list, as in the NOTIFIER_ALLOWED_HOSTS variable. */
  static fromList(value: string): AddressPolicy {
    return new AddressPolicy(value.split(/[\s,]+/).filter((entry) => entry !== ''));
  }

  /** The hostname matches a hostname or `*.domain` entry, or is an IP literal inside an allowed IP/CIDR. */
  hostAllowed(hostname: string): boolean {
    return this.#hostnameMatches(hostname) || this.#inAllowedNetwork(unbracket(hostname));
  }

  /**
   * Undefined when connecting to `address` for `hostname` is allowed, else the name of the range that refuses it.
   * Cloud metadata addresses are allowed only by an IP or CIDR entry that names them: a hostname entry trusts its
   * DNS, and whoever can add a record under `*.domain` could otherwise point it at the instance's credentials.
   */
  refusal(hostname: string, address: string): string | undefined {
    const range = blockedRange(address);
    if (this.#inAllowedNetwork(address)) return undefined;
    if (range === 'metadata') return range;
    if (this.#hostnameMatches(hostname)) return undefined;
    return range;
  }

  #hostnameMatches(hostname: string): boolean {
    const host = normalHost(hostname);
    return this.#hostnames.has(host) || this.#suffixes.some((suffix) => host.endsWith(suffix));
  }

  #inAllowedNetwork(address: string): boolean {
    const ip = this.#networks.length === 0 ? undefined : parseIp(address);
    if (ip === undefined) return false;
    const v4Form = unmapped(ip);
    return this.#networks.some((network) => inNetwork(v4Form, network));
  }
}

/**
 * The message names the host and the range, not the address a name resolved to: it reaches the delivery log, which
 * API users read, and must not map internal names to internal addresses. The address stays in `details` (logs).
 */
function refused(host: string, address: string, range: string): AddressRefusedError {
  return new AddressRefusedError(`webhook destination ${host} is refused: it is (or resolves to) a ${range} address`, {
    details: { host, address, range },
  });
}

function invalidUrl(message: string, details?: Record<string, unknown>): InvalidWebhookUrlError {
  return new InvalidWebhookUrlError(message, details === undefined ? {} : { details });
}

// What WHATWG URL takes as the authority of an http(s) URL: after the scheme and any run of slashes or backslashes,
// up to the first slash, backslash, ? or #. Valid once spaces and control characters are refused.
const AUTHORITY = /^[a-z][a-z0-9+.-]*:[/\\]*([^/\\?#]*)/i;

function writtenHost(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  return authority.replace(/:\d*$/, '');
}

/**
 * Parses a webhook URL and refuses what could reach inside the cluster without a DNS lookup: non-http(s) schemes,
 * credentials in the URL, IP literals in unusual forms (0x7f000001, 2130706433, 127.1, ...), and IP literals the
 * policy refuses. Hostnames are not resolved here: pass guardedLookup() as the connection's lookup for them.
 * Errors never quote the URL, which often carries secrets in its path or query.
 */
export function checkWebhookUrl(raw: string, policy: AddressPolicy): URL {
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw invalidUrl('a webhook URL has no spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('the webhook URL does not parse as a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl(`a webhook URL is http: or https:, not ${url.protocol}`, { scheme: url.protocol });
  }
  const authority = AUTHORITY.exec(raw)?.[1] ?? '';
  // An empty "@" leaves username and password empty: only the written form shows it.
  if (url.username !== '' || url.password !== '' || authority.includes('@')) {
    throw invalidUrl('a webhook URL carries no user name or password', { host: url.hostname });
  }
  const address = unbracket(url.hostname);
  if (isIP(address) === 0) return url;
  if (writtenHost(authority).toLowerCase() !== url.hostname) {
    throw invalidUrl(`write the address in its usual form: ${url.hostname}`, { host: url.hostname });
  }
  const range = policy.refusal(url.hostname, address);
  if (range !== undefined) throw refused(url.hostname, address, range);
  return url;
}

/** dns.lookup as guardedLookup calls it: always with `all: true`. */
export type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect/tls.connect (undici: `new Agent({ connect: { lookup } })`) that fails with an
 * AddressRefusedError when any address the hostname resolves to is refused by the policy. The socket connects to
 * exactly the addresses returned, so there is no second lookup to rebind. Node skips lookup for IP literals:
 * checkWebhookUrl() covers those.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolve = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
      }
      for (const { address } of addresses) {
        // One refused address refuses them all: the connection may try each of them.
        const range = policy.refusal(hostname, address);
        if (range !== undefined) return callback(refused(hostname, address, range), []);
      }
      if (options.all)
        return callback(
          null,
          addresses.map(({ address, family }) => ({ address, family })),
        );
      const [first] = addresses as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import type { LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import { Agent, fetch } from 'undici';
import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import {
  AddressPolicy,
  AddressRefusedError,
  InvalidAllowListError,
  InvalidWebhookUrlError,
  NotificationErrorCodes,
  blockedRange,
  checkWebhookUrl,
  guardedLookup,
  type Resolve,
} from '../src';

const SECRET = 's3cr3t-path';
const TOKEN = 't0k3n-query';
const open = new AddressPolicy([]);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function expectNoSecrets(err: unknown): void {
  const text = `${(err as Error).message} ${JSON.stringify(err)}`;
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(TOKEN);
}

it('uses error codes no other part of the project uses', () => {
  expect(() => assertUniqueCodes(ErrorCodes, NotificationErrorCodes)).not.toThrow();
});

describe('blockedRange', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['::1:2:3:4:5', 'reserved'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'ipv4Compatible'],
    ['::808:808', 'ipv4Compatible'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b:1::808:808', 'nat64'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2001::1', 'teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
  ])('refuses %s as %s', (address, range) => {
    expect(blockedRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(blockedRange(address)).toBeUndefined();
    },
  );

  it.each(['64:ff9b::808:808', '2002:808:808::1'])('allows %s, which embeds a public IPv4 address', (address) => {
    expect(blockedRange(address)).toBeUndefined();
  });

  it.each(['localhost', 'example.com', '127.1', '0x7f000001', '2130706433', '[::1]', '', '1.2.3.4.5', '::g'])(
    'calls %j invalid: not an IP literal in its usual form',
    (address) => {
      expect(blockedRange(address)).toBe('invalid');
    },
  );
});

describe('checkWebhookUrl', () => {
  it.each([
    'https://hooks.example.com/alerts?token=abc',
    'http://8.8.8.8:8080/',
    'https://[2606:4700:4700::1111]/x',
    'https://[2606:4700:4700::ABCD]/x',
    'HTTPS://Hooks.Example.COM./',
  ])('returns the parsed URL of %s', (raw) => {
    expect(checkWebhookUrl(raw, open).href).toBe(new URL(raw).href);
  });

  it('does not resolve hostnames: localhost. passes here, the guarded lookup refuses it', async () => {
    const url = checkWebhookUrl('http://localhost./', open);
    expect(url.hostname).toBe('localhost.');
    const result = await lookup(guardedLookup(open, resolver([{ address: '127.0.0.1', family: 4 }])), url.hostname, { all: true });
    expect(result.err).toBeInstanceOf(AddressRefusedError);
    expect(new AddressPolicy(['localhost']).hostAllowed(url.hostname)).toBe(true);
  });

  // Each is a way of writing 127.0.0.1 or an IPv6 form of it that WHATWG URL rewrites; refused as written even when allowed.
  const allowingLoopback = new AddressPolicy(['127.0.0.0/8', '::/96', '::ffff:0:0/96']);
  it.each([
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
    ['http://１２７.０.０.１/', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::127.0.0.1]/', '[::7f00:1]'],
  ])('refuses %s, which WHATWG URL reads as %s, as an unusual form', (raw, canonical) => {
    expect(new URL(raw).hostname).toBe(canonical);
    const err = thrown(() => checkWebhookUrl(`${raw}${SECRET}?t=${TOKEN}`, allowingLoopback));
    expect(err).toBeInstanceOf(InvalidWebhookUrlError);
    expect((err as Error).message).toMatch(/usual form/);
    expectNoSecrets(err);
  });

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.0.0.1:8080/', 'loopback'],
    ['http:127.0.0.1/', 'loopback'],
    ['http:\\\\127.0.0.1\\', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::FFFF:7F00:1]/', 'loopback'],
    ['http://[64:ff9b::7f00:1]/', 'loopback'],
    ['http://10.0.0.1:9000/', 'private'],
    ['http://169.254.169.254/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[2001::1]/', 'teredo'],
  ])('refuses the IP literal of %s (%s), which Node connects to without a lookup', (raw, range) => {
    const err = thrown(() => checkWebhookUrl(`${raw}${SECRET}?t=${TOKEN}`, open));
    expect(err).toBeInstanceOf(AddressRefusedError);
    const { host, address } = (err as AddressRefusedError).details;
    expect((err as AddressRefusedError).code).toBe(NotificationErrorCodes.ADDRESS_REFUSED);
    expect((err as AddressRefusedError).details).toEqual({ host, address, range });
    expectNoSecrets(err);
  });

  it('allows a refused IP literal that the policy lists, by address or CIDR', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9/', new AddressPolicy(['127.0.0.1'])).hostname).toBe('127.0.0.1');
    expect(checkWebhookUrl('http://[::ffff:7f00:1]/', new AddressPolicy(['127.0.0.0/8'])).hostname).toBe('[::ffff:7f00:1]');
    expect(checkWebhookUrl('http://[fd00:1::5]/', new AddressPolicy(['fd00:1::/32'])).hostname).toBe('[fd00:1::5]');
  });

  it.each([
    `http://user:${SECRET}@example.com/`,
    `http://${SECRET}@example.com/`,
    'http://@example.com/',
    'http://:@example.com/',
    `https://a@8.8.8.8/${SECRET}`,
  ])('refuses user info in %s', (raw) => {
    const err = thrown(() => checkWebhookUrl(raw, open));
    expect(err).toBeInstanceOf(InvalidWebhookUrlError);
    expect((err as Error).message).toMatch(/user name or password/);
    expectNoSecrets(err);
  });

  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ws://example.com/',
    'data:text/plain,x',
    'gopher://127.0.0.1:6379/_x',
  ])('refuses the scheme of %s', (raw) => {
    const err = thrown(() => checkWebhookUrl(raw, open));
    expect(err).toBeInstanceOf(InvalidWebhookUrlError);
    expect((err as Error).message).toMatch(/http: or https:/);
  });

  it.each([
    'not a url',
    '',
    'http://',
    '/relative/path',
    'http://exa mple.com/',
    ' http://example.com/',
    'http://example.com/\n',
    `http://[::1/${SECRET}`,
  ])('refuses %j as not a URL', (raw) => {
    const err = thrown(() => checkWebhookUrl(raw, open));
    expect(err).toBeInstanceOf(InvalidWebhookUrlError);
    expectNoSecrets(err);
  });
});

describe('AddressPolicy', () => {
  it('matches a hostname exactly, ignoring case and a trailing dot', () => {
    const policy = new AddressPolicy(['Hooks.Example.com.']);
    expect(policy.hostAllowed('hooks.example.com')).toBe(true);
    expect(policy.hostAllowed('HOOKS.EXAMPLE.COM.')).toBe(true);
    expect(policy.hostAllowed('a.hooks.example.com')).toBe(false);
    expect(policy.hostAllowed('example.com')).toBe(false);
  });

  it('matches *.domain on any subdomain but not the apex', () => {
    const policy = new AddressPolicy(['*.example.com']);
    expect(policy.hostAllowed('a.example.com')).toBe(true);
    expect(policy.hostAllowed('a.b.example.com')).toBe(true);
    expect(policy.hostAllowed('example.com')).toBe(false);
    expect(policy.hostAllowed('badexample.com')).toBe(false);
  });

  it('trusts whatever a listed hostname resolves to', () => {
    const policy = new AddressPolicy(['hooks.internal', '*.svc.cluster.local']);
    expect(policy.refusal('hooks.internal', '10.0.0.1')).toBeUndefined();
    expect(policy.refusal('alerts.svc.cluster.local.', '10.96.0.10')).toBeUndefined();
    expect(policy.refusal('other.internal', '10.0.0.1')).toBe('private');
  });

  it('allows a listed IP address and nothing next to it', () => {
    const policy = new AddressPolicy(['10.1.2.3']);
    expect(policy.hostAllowed('10.1.2.3')).toBe(true);
    expect(policy.hostAllowed('10.1.2.4')).toBe(false);
    expect(policy.refusal('hooks.internal', '10.1.2.3')).toBeUndefined();
    expect(policy.refusal('hooks.internal', '10.1.2.4')).toBe('private');
  });

  it('allows addresses inside an IPv4 CIDR, including their IPv4-mapped form', () => {
    const policy = new AddressPolicy(['10.0.0.0/8']);
    expect(policy.refusal('hooks.internal', '10.200.0.1')).toBeUndefined();
    expect(policy.refusal('hooks.internal', '::ffff:10.200.0.1')).toBeUndefined();
    expect(policy.refusal('hooks.internal', '192.168.0.1')).toBe('private');
    // ::10.200.0.1 is IPv4-compatible, not IPv4-mapped: another address.
    expect(policy.refusal('hooks.internal', '::10.200.0.1')).toBe('private');
    expect(policy.hostAllowed('10.9.9.9')).toBe(true);
    expect(policy.hostAllowed('11.0.0.1')).toBe(false);
  });

  it('allows addresses inside an IPv6 CIDR', () => {
    const policy = new AddressPolicy(['fd00:1234::/32']);
    expect(policy.refusal('hooks.internal', 'fd00:1234::5')).toBeUndefined();
    expect(policy.refusal('hooks.internal', 'fd00:1235::5')).toBe('uniqueLocal');
    expect(policy.hostAllowed('[fd00:1234::5]')).toBe(true);
    expect(policy.hostAllowed('fd00:1234::5')).toBe(true);
  });

  it('needs no entry for a public address', () => {
    expect(open.refusal('example.com', '8.8.8.8')).toBeUndefined();
    expect(open.refusal('example.com', '10.0.0.1')).toBe('private');
    expect(open.hostAllowed('example.com')).toBe(false);
  });

  it.each([
    '',
    '*',
    '*.',
    '*.*.example.com',
    'exa mple.com',
    'http://example.com',
    'example.com/path',
    'user@example.com',
    'a..b',
    '-a.example.com',
    'exa%41mple.com',
    '127.1',
    '0x7f000001',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    '10.0.0.0/',
    'fe80::1%eth-0',
    'example.com/8',
  ])('rejects the entry %j, naming it', (entry) => {
    const err = thrown(() => new AddressPolicy(['ok.example.com', entry]));
    expect(err).toBeInstanceOf(InvalidAllowListError);
    expect((err as InvalidAllowListError).code).toBe(NotificationErrorCodes.ALLOW_LIST_INVALID);
    expect((err as Error).message).toContain(`"${entry}"`);
    expect((err as InvalidAllowListError).details).toEqual({ entry });
  });

  it('reads a comma and/or whitespace separated list and keeps its entries in normal form', () => {
    const policy = AddressPolicy.fromList(' Hooks.Example.com., *.B.example.com 10.0.0.0/8,,\n\t[::1] fd00::/8 ');
    expect(policy.entries).toEqual(['hooks.example.com', '*.b.example.com', '10.0.0.0/8', '::1', 'fd00::/8']);
    expect(AddressPolicy.fromList('').entries).toEqual([]);
    expect(() => AddressPolicy.fromList('ok.example.com bad/entry')).toThrow(InvalidAllowListError);
  });
});

interface LookupResult {
  err: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
}

function lookup(fn: LookupFunction, hostname: string, options: LookupOptions): Promise<LookupResult> {
  return new Promise((resolve) => fn(hostname, options, (err, address, family) => resolve({ err, address, family })));
}

function resolver(addresses: LookupAddress[], seen: LookupAllOptions[] = []): Resolve {
  return (_hostname, options, callback) => {
    seen.push(options);
    setImmediate(() => callback(null, addresses));
  };
}

describe('guardedLookup', () => {
  const publicV4 = { address: '8.8.8.8', family: 4 };
  const publicV6 = { address: '2606:4700:4700::1111', family: 6 };
  const privateV4 = { address: '10.0.0.1', family: 4 };

  it('refuses all addresses when any one of them is refused', async () => {
    const { err } = await lookup(guardedLookup(open, resolver([publicV4, privateV4])), 'hooks.example.com', { all: true });
    expect(err).toBeInstanceOf(AddressRefusedError);
    expect(err?.code).toBe('NOTIFIER_ADDRESS_REFUSED');
    expect((err as AddressRefusedError).details).toEqual({ host: 'hooks.example.com', address: '10.0.0.1', range: 'private' });
    // The message reaches the delivery log, which API users read: it must not map a name to an internal address.
    expect(err?.message).not.toContain('10.0.0.1');
    expect(err?.message).toMatch(/hooks\.example\.com .*private/);
  });

  it('refuses a metadata address behind a listed hostname or domain; only an IP or CIDR entry naming it allows it', async () => {
    const metadata = { address: '169.254.169.254', family: 4 };
    for (const entry of ['hooks.corp.example', '*.corp.example']) {
      const policy = new AddressPolicy([entry]);
      expect((await lookup(guardedLookup(policy, resolver([metadata])), 'hooks.corp.example', {})).err).toBeInstanceOf(AddressRefusedError);
      expect((await lookup(guardedLookup(policy, resolver([privateV4])), 'hooks.corp.example', {})).address).toBe('10.0.0.1');
    }
    const named = new AddressPolicy(['169.254.169.254']);
    expect((await lookup(guardedLookup(named, resolver([metadata])), 'hooks.corp.example', {})).address).toBe('169.254.169.254');
  });

  it('answers every address when all: true, and always resolves with all: true and the caller family', async () => {
    const seen: LookupAllOptions[] = [];
    const result = await lookup(guardedLookup(open, resolver([publicV6, publicV4], seen)), 'example.com', { all: true, family: 0 });
    expect(result).toEqual({ err: null, address: [publicV6, publicV4], family: undefined });
    await lookup(guardedLookup(open, resolver([publicV4], seen)), 'example.com', { family: 4 });
    expect(seen).toEqual([
      { all: true, family: 0 },
      { all: true, family: 4 },
    ]);
  });

  it('answers the first address and its family when all is not set', async () => {
    const result = await lookup(guardedLookup(open, resolver([publicV6, publicV4])), 'example.com', {});
    expect(result).toEqual({ err: null, address: publicV6.address, family: 6 });
  });

  it('passes every address of a listed hostname through', async () => {
    const policy = new AddressPolicy(['hooks.internal']);
    const result = await lookup(guardedLookup(policy, resolver([privateV4, publicV4])), 'hooks.internal', { all: true });
    expect(result.address).toEqual([privateV4, publicV4]);
  });

  it('allows an address in a listed CIDR but still refuses the others', async () => {
    const policy = new AddressPolicy(['10.0.0.0/24']);
    expect((await lookup(guardedLookup(policy, resolver([privateV4])), 'a.internal', {})).address).toBe('10.0.0.1');
    const { err } = await lookup(guardedLookup(policy, resolver([privateV4, { address: '10.0.1.1', family: 4 }])), 'a.internal', {});
    expect(err).toBeInstanceOf(AddressRefusedError);
  });

  it('passes a resolver error through, and calls no addresses ENOTFOUND', async () => {
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    const failing: Resolve = (_h, _o, callback) => callback(failure, []);
    expect((await lookup(guardedLookup(open, failing), 'nowhere.invalid', { all: true })).err).toBe(failure);
    expect((await lookup(guardedLookup(open, resolver([])), 'empty.example.com', {})).err?.code).toBe('ENOTFOUND');
  });
});

describe('guardedLookup with undici and a loopback server', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  const agents: Agent[] = [];

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests += 1;
      res.end('delivered');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  function agent(policy: AddressPolicy, connect: Record<string, unknown> = {}): Agent {
    const created = new Agent({ connect: { lookup: guardedLookup(policy), ...connect } });
    agents.push(created);
    return created;
  }

  function causes(err: unknown): unknown[] {
    const chain: unknown[] = [];
    for (let e = err; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
    return chain;
  }

  it('refuses localhost when it is not allowed, with the code in the cause chain and no secret in the error', async () => {
    const before = requests;
    const err = await fetch(`http://localhost:${port}/hooks/${SECRET}?token=${TOKEN}`, { dispatcher: agent(open) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const refusal = causes(err).find((e) => (e as { code?: unknown }).code === NotificationErrorCodes.ADDRESS_REFUSED);
    expect(refusal).toBeInstanceOf(AddressRefusedError);
    expect((refusal as AddressRefusedError).details).toEqual({ host: 'localhost', address: '127.0.0.1', range: 'loopback' });
    expectNoSecrets(refusal);
    expect(requests).toBe(before);
  });

  it('delivers to localhost when it is in the allow-list', async () => {
    const response = await fetch(`http://localhost:${port}/hook`, { dispatcher: agent(new AddressPolicy(['localhost'])) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('delivered');
  });

  it('delivers through the single-address lookup Node uses when a family is set', async () => {
    const dispatcher = agent(new AddressPolicy(['localhost']), { family: 4 });
    const response = await fetch(`http://localhost:${port}/hook`, { dispatcher });
    expect(await response.text()).toBe('delivered');
  });

  it('is not consulted for an IP literal, which is why checkWebhookUrl refuses literals', async () => {
    const url = `http://127.0.0.1:${port}/hook`;
    const response = await fetch(url, { dispatcher: agent(open) });
    expect(await response.text()).toBe('delivered');
    expect(() => checkWebhookUrl(url, open)).toThrow(AddressRefusedError);
  });
});

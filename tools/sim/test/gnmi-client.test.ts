import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switch-telemetry/logging';
import {
  GnmiClient,
  GnmiConnectError,
  GnmiRpcError,
  ValueDecodeError,
  normalizeNotification,
  parsePath,
  type Encoding,
  type GnmiClientOptions,
  type Notification,
  type SubscriptionList,
} from '@switch-telemetry/gnmi';
import { GnmiTarget, type GnmiTargetOptions } from '../src';

const log = createLogger({ app: 'test', level: 'silent' });
const targets: GnmiTarget[] = [];
const clients: GnmiClient[] = [];
let hostNo = 100;

async function target(options: Partial<GnmiTargetOptions> = {}): Promise<GnmiTarget> {
  hostNo += 1;
  const t = new GnmiTarget({
    name: `t${hostNo}`,
    host: `127.10.9.${hostNo}`,
    port: 0,
    username: 'admin',
    password: 'secret-pw',
    interfaces: 4,
    tickMs: 50,
    flapMs: 100,
    ...options,
  });
  await t.start();
  targets.push(t);
  return t;
}

function client(t: GnmiTarget, options: Partial<GnmiClientOptions> = {}): GnmiClient {
  const c = new GnmiClient({
    address: t.address,
    username: 'admin',
    password: 'secret-pw',
    tls: false,
    log,
    connectTimeoutMs: 2_000,
    rpcTimeoutMs: 2_000,
    ...options,
  });
  clients.push(c);
  return c;
}

afterAll(async () => {
  for (const c of clients) c.close();
  for (const t of targets) await t.stop();
});

const counters = parsePath('/interfaces/interface[name=*]/state/counters');
const status = parsePath('/interfaces/interface[name=*]/state/oper-status');

/** Collects events until `until` says stop (then cancels), or the stream ends. */
async function collect(c: GnmiClient, list: SubscriptionList, until: (events: Array<Notification | 'sync'>) => boolean, timeoutMs = 5_000) {
  const events: Array<Notification | 'sync'> = [];
  const sub = c.subscribe(list);
  const timer = setTimeout(() => sub.cancel(), timeoutMs);
  try {
    for await (const e of sub) {
      events.push(e.kind === 'sync' ? 'sync' : e.notification);
      if (until(events)) {
        sub.cancel();
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

describe('gNMI client against the simulated target', () => {
  it('reads capabilities', async () => {
    const caps = await client(await target()).capabilities();
    expect(caps.gNMI_version).toBe('0.10.0');
    expect(caps.supported_encodings).toEqual(['JSON', 'JSON_IETF', 'PROTO']);
    expect(caps.supported_models?.map((m) => m.name)).toContain('openconfig-interfaces');
  });

  it.each<Encoding>(['JSON', 'JSON_IETF', 'PROTO'])(
    'gets counters in %s and normalises them with exact 64-bit values',
    async (encoding) => {
      const t = await target();
      const res = await client(t).get({ path: [parsePath('/interfaces/interface[name=Ethernet2]/state/counters/in-octets')], encoding });
      expect(res.notification).toHaveLength(1);
      const msg = normalizeNotification(res.notification![0]!, 'leaf-01', 'get');
      const leaf = t.model.leaves.find((l) => l.prefix[1]!.key!.name === 'Ethernet2' && l.rel[2]!.name === 'in-octets')!;
      expect(msg).toMatchObject({ v: 1, device: 'leaf-01', source: 'gnmi', prefix: '/interfaces/interface[name=Ethernet2]', deletes: [] });
      expect(msg.updates).toHaveLength(1);
      expect(msg.updates[0]!.path).toBe('state/counters/in-octets');
      // JSON_IETF carries 64-bit integers as strings (RFC 7951); JSON and PROTO as numbers.
      const value = msg.updates[0]!.value;
      expect(BigInt(value as string | number)).toBeGreaterThan(0n);
      expect(BigInt(value as string | number) <= (leaf.value as bigint)).toBe(true);
      expect(typeof msg.ts === 'number' || typeof msg.ts === 'string').toBe(true);
    },
  );

  it('streams SAMPLE at the asked interval after the initial sync', async () => {
    const events = await collect(
      client(await target()),
      { mode: 'STREAM', encoding: 'PROTO', subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: String(100_000_000) }] },
      (e) => e.filter((x) => x !== 'sync').length >= 4 * 3,
    );
    expect(events.slice(0, 4).every((e) => e !== 'sync')).toBe(true);
    expect(events[4]).toBe('sync');
    expect(events.filter((e) => e !== 'sync').length).toBeGreaterThanOrEqual(12);
  });

  it('sends ON_CHANGE updates when an interface flaps', async () => {
    const events = await collect(
      client(await target()),
      { mode: 'STREAM', encoding: 'JSON_IETF', subscription: [{ path: status, mode: 'ON_CHANGE' }] },
      (e) => e.indexOf('sync') >= 0 && e.length >= e.indexOf('sync') + 3,
    );
    const after = events.slice(events.indexOf('sync') + 1) as Notification[];
    const values = after.map((n) => normalizeNotification(n, 'd', 's').updates[0]!.value);
    expect(values.every((v) => v === 'UP' || v === 'DOWN')).toBe(true);
  });

  it('with TARGET_DEFINED samples counters and reports status changes', async () => {
    const events = await collect(
      client(await target()),
      { mode: 'STREAM', subscription: [{ path: parsePath('/interfaces'), mode: 'TARGET_DEFINED', sample_interval: String(100_000_000) }] },
      (e) => e.length > 12,
    );
    expect(events).toContain('sync');
  });

  it('with updates_only sends the sync first and no initial values', async () => {
    const events = await collect(
      client(await target()),
      { mode: 'STREAM', updates_only: true, subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: String(100_000_000) }] },
      (e) => e.length >= 2,
    );
    expect(events[0]).toBe('sync');
  });

  it('suppresses redundant samples but still sends a heartbeat', async () => {
    const t = await target({ tickMs: 60_000 }); // counters stand still
    const events = await collect(
      client(t),
      {
        mode: 'STREAM',
        encoding: 'PROTO',
        subscription: [
          {
            path: parsePath('/system/memory/state/physical'),
            mode: 'SAMPLE',
            sample_interval: String(50_000_000),
            suppress_redundant: true,
            heartbeat_interval: String(400_000_000),
          },
        ],
      },
      () => false,
      1_000,
    );
    const updates = events.filter((e) => e !== 'sync');
    // initial + first sample (nothing seen yet) + about two heartbeats in a second, not twenty samples
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(6);
  });

  it('answers ONCE with everything, a sync, then the end of the stream', async () => {
    const events = await collect(client(await target()), { mode: 'ONCE', subscription: [{ path: parsePath('/system') }] }, () => false);
    expect(events[events.length - 1]).toBe('sync');
    expect(events.filter((e) => e !== 'sync')).toHaveLength(1);
  });

  it('answers each POLL with a fresh set and a sync', async () => {
    const c = client(await target());
    const sub = c.subscribe({ mode: 'POLL', encoding: 'PROTO', subscription: [{ path: parsePath('/system') }] });
    let syncs = 0;
    for await (const e of sub) {
      if (e.kind === 'sync') {
        syncs += 1;
        if (syncs === 3) {
          sub.cancel();
          break;
        }
        sub.poll();
      }
    }
    expect(syncs).toBe(3);
  });

  it('fails Capabilities and Subscribe with a permanent UNAUTHENTICATED on bad credentials', async () => {
    const t = await target();
    const error = await client(t, { password: 'wrong' })
      .capabilities()
      .catch((e) => e);
    expect(error).toBeInstanceOf(GnmiRpcError);
    expect(error).toMatchObject({ grpcStatus: 'UNAUTHENTICATED', classification: 'permanent', isAuthFailure: true });
    const sub = client(t, { password: 'wrong' }).subscribe({ subscription: [{ path: counters }] });
    await expect(
      (async () => {
        for await (const _ of sub) void _;
      })(),
    ).rejects.toMatchObject({ grpcStatus: 'UNAUTHENTICATED' });
  });

  it('reports a target that refuses connections as a retryable connect error', async () => {
    const t = await target({ fault: 'refuse', port: 1 });
    const error = await client(t, { connectTimeoutMs: 500 })
      .connect()
      .catch((e) => e);
    expect(error).toBeInstanceOf(GnmiConnectError);
    expect(error.classification).toBe('retryable');
  });

  it('surfaces a dropped stream as a retryable UNAVAILABLE', async () => {
    const sub = client(await target({ fault: 'drop', dropAfter: 5 })).subscribe({
      subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: String(50_000_000) }],
    });
    let received = 0;
    const error = await (async () => {
      for await (const e of sub) if (e.kind === 'update') received += 1;
    })().catch((e) => e);
    expect(error).toMatchObject({ grpcStatus: 'UNAVAILABLE', classification: 'retryable' });
    expect(received).toBe(4);
  });

  it('turns a garbage value into a ValueDecodeError when normalised, not a crash', async () => {
    const res = await client(await target({ fault: 'garbage' })).get({ path: [parsePath('/system')], encoding: 'JSON_IETF' });
    expect(() => normalizeNotification(res.notification![0]!, 'd', 's')).toThrow(ValueDecodeError);
  });

  it('answers a bad request with a permanent error', async () => {
    const error = await client(await target())
      .get({ path: [parsePath('/nothing/here')] })
      .catch((e) => e);
    expect(error).toMatchObject({ grpcStatus: 'NOT_FOUND', classification: 'permanent' });
  });

  it('pauses a fast stream while the consumer is slow instead of buffering without bound', async () => {
    const t = await target();
    const sub = client(t).subscribe({
      mode: 'STREAM',
      encoding: 'PROTO',
      subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: '1' }],
    });
    let received = 0;
    const started = Date.now();
    for await (const e of sub) {
      if (e.kind === 'update') received += 1;
      await new Promise((r) => setTimeout(r, 5)); // a slow consumer: ~200 messages a second
      if (Date.now() - started > 1_500) break;
    }
    sub.cancel();
    // The target could send tens of thousands a second; flow control holds it near what was read.
    expect(t.sent - received).toBeLessThan(2_000);
    expect(received).toBeGreaterThan(50);
  });
});

/** A P-256 key (`<name>.key`) and a self-signed certificate (`<name>.pem`) for `cn` in `dir`; `addext`: openssl -addext values. */
function selfSigned(dir: string, name: string, cn: string, ...addext: string[]): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.pem`),
      '-subj',
      `/CN=${cn}`,
      ...addext.flatMap((e) => ['-addext', e]),
    ],
    { stdio: 'ignore' },
  );
}

describe('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-tls-'));
  const host = '127.10.8.1';
  beforeAll(() => selfSigned(dir, 'cert', 'sim-gnmi', `subjectAltName=DNS:sim-gnmi.test,IP:${host}`));

  async function tlsTarget() {
    const t = new GnmiTarget({
      name: 'tls',
      host,
      port: 0,
      tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'cert.key')) },
    });
    await t.start();
    targets.push(t);
    return t;
  }

  it('connects when the CA is given, and refuses a certificate it cannot verify', async () => {
    const t = await tlsTarget();
    expect((await client(t, { tls: { caFile: join(dir, 'cert.pem') }, username: undefined }).capabilities()).gNMI_version).toBe('0.10.0');
    expect(
      (await client(t, { tls: { caFile: join(dir, 'cert.pem'), serverName: 'sim-gnmi.test' }, username: undefined }).capabilities())
        .gNMI_version,
    ).toBe('0.10.0');
    const unverified = await client(t, { tls: {}, username: undefined })
      .capabilities()
      .catch((e) => e);
    expect(unverified).toMatchObject({ grpcStatus: 'UNAVAILABLE' });
    const wrongName = await client(t, { tls: { caFile: join(dir, 'cert.pem'), serverName: 'other.test' }, username: undefined })
      .capabilities()
      .catch((e) => e);
    expect(wrongName).toBeInstanceOf(GnmiRpcError);
  });

  it('skips verification only when asked', async () => {
    const t = await tlsTarget();
    expect((await client(t, { tls: { insecureSkipVerify: true }, username: undefined }).capabilities()).gNMI_version).toBe('0.10.0');
  });
});

describe('mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-mtls-'));
  const host = '127.10.8.2';
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  /** A P-256 key and a certificate for `cn` signed by the CA `ca` (or self-signed, a CA itself, when absent). */
  function issue(name: string, cn: string, ca?: string, ext?: string): void {
    if (!ca) {
      selfSigned(dir, name, cn);
      return;
    }
    openssl(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    writeFileSync(file(`${name}.ext`), `${ext ?? ''}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${ca}.pem`),
      '-CAkey',
      file(`${ca}.key`),
      '-set_serial',
      String(Date.now()),
      '-days',
      '1',
      '-out',
      file(`${name}.pem`),
      '-extfile',
      file(`${name}.ext`),
    );
  }
  const pem = (name: string) => readFileSync(file(name));

  beforeAll(() => {
    issue('ca', 'test-ca');
    issue('other-ca', 'other-ca');
    issue('server', 'sim-gnmi', 'ca', `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth`);
    issue('client', 'collector', 'ca', 'extendedKeyUsage=clientAuth');
    issue('stranger', 'collector', 'other-ca', 'extendedKeyUsage=clientAuth');
  });

  async function mtlsTarget(): Promise<GnmiTarget> {
    const t = new GnmiTarget({
      name: 'mtls',
      host,
      port: 0,
      interfaces: 2,
      tickMs: 50,
      tls: { cert: pem('server.pem'), key: pem('server.key'), clientCa: pem('ca.pem') },
    });
    await t.start();
    targets.push(t);
    return t;
  }

  const list: SubscriptionList = {
    mode: 'STREAM',
    encoding: 'PROTO',
    subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: String(100_000_000) }],
  };

  it('subscribes with a client certificate given as content, and with files', async () => {
    const t = await mtlsTarget();
    const inline = await collect(
      client(t, { username: undefined, tls: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key').toString() } }),
      list,
      (e) => e.includes('sync'),
    );
    expect(inline).toContain('sync');
    expect(inline.filter((e) => e !== 'sync').length).toBeGreaterThan(0);
    const files = await collect(
      client(t, { username: undefined, tls: { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client.key') } }),
      list,
      (e) => e.includes('sync'),
    );
    expect(files).toContain('sync');
  });

  it('is refused without a client certificate, or with one another CA signed, as a typed error', async () => {
    const t = await mtlsTarget();
    for (const tls of [{ ca: pem('ca.pem') }, { ca: pem('ca.pem'), cert: pem('stranger.pem'), key: pem('stranger.key') }]) {
      const sub = client(t, { username: undefined, tls }).subscribe(list);
      const error = await (async () => {
        for await (const e of sub) void e;
      })().catch((e) => e);
      // The handshake fails: to gRPC that is an unavailable target.
      expect(error).toBeInstanceOf(GnmiRpcError);
      expect(error).toMatchObject({ grpcStatus: 'UNAVAILABLE' });
    }
    expect(t.sent).toBe(0);
  });
});

describe('keepalive', () => {
  it('notices a target that stops answering (a frozen link) and fails the stream', async () => {
    const t = await target();
    // A TCP proxy we can freeze: it stops forwarding bytes, as a hung target would.
    let frozen = false;
    const sockets: Socket[] = [];
    const proxy: Server = createServer((inbound) => {
      const outbound = connect(t.port, t.options.host);
      sockets.push(inbound, outbound);
      inbound.on('data', (d) => !frozen && outbound.write(d));
      outbound.on('data', (d) => !frozen && inbound.write(d));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const c = new GnmiClient({
      address: `127.0.0.1:${port}`,
      username: 'admin',
      password: 'secret-pw',
      tls: false,
      log,
      keepaliveMs: 300,
      keepaliveTimeoutMs: 300,
    });
    clients.push(c);
    const sub = c.subscribe({ subscription: [{ path: counters, mode: 'SAMPLE', sample_interval: String(100_000_000) }] });
    const started = Date.now();
    let frozeAt = 0;
    const error = await (async () => {
      for await (const e of sub) {
        if (e.kind === 'sync' && !frozen) {
          frozen = true;
          frozeAt = Date.now();
        }
      }
    })().catch((e) => e);
    expect(error).toMatchObject({ grpcStatus: 'UNAVAILABLE', classification: 'retryable' });
    expect(Date.now() - frozeAt).toBeLessThan(5_000);
    expect(frozeAt - started).toBeLessThan(3_000);
    for (const s of sockets) s.destroy();
    proxy.close();
  });
});

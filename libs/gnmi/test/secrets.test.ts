import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiClient, GnmiConfigError, GnmiRpcError, fromGrpcError, type GnmiClientOptions } from '../src';

const log = createLogger({ app: 'test', level: 'silent' });
// Nothing listens there: these tests must fail before any call is made.
const base: GnmiClientOptions = { address: '127.10.250.1:1', tls: false, log, connectTimeoutMs: 200, rpcTimeoutMs: 200 };

/** Every text an error shows: String(), message, JSON, and each cause's. */
function texts(error: unknown): string[] {
  const out = [String(error), (error as Error).message, JSON.stringify(error)];
  for (let e = (error as Error).cause; e !== undefined && e !== null; e = (e as Error).cause)
    out.push(String(e), (e as Error).message ?? '');
  return out;
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('credentials gRPC cannot carry are refused before any call, without quoting them', () => {
  const shadow = `root:$6$Vq8mZ1lq$x3cZJ0sVh6pQ3h9yWc0lMZl2bq8Gm1kYw0rT7uQ5nE2aR4sD6fG8hJ0kL2zX4cV6bN8mQ1wE3rT5yU7iO9pA:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`;
  it.each([
    ['a NUL', 'pass\u0000word-7391'],
    ['random bytes', `\u0001${randomBytes(96).toString('latin1')}`],
    ['a whole shadow file', shadow],
    ['a newline', 'secret-line-1\nsecret-line-2'],
    ['non-ASCII', 'pässwörd-geheim'],
  ])('a password with %s is a permanent GnmiConfigError that never shows it', (_what, password) => {
    const error = thrownBy(() => new GnmiClient({ ...base, username: 'admin', password }));
    expect(error).toBeInstanceOf(GnmiConfigError);
    expect(error).toMatchObject({ code: 'GNMI_CONFIG', classification: 'permanent', details: { field: 'password' } });
    for (const text of texts(error)) {
      expect(text).not.toContain(password);
      for (const part of password.split(/[\x00-\x1f\x7f-\xff]/).filter((p) => p.length >= 6)) expect(text).not.toContain(part);
    }
  });

  it('refuses a password over 1024 characters and a username gRPC cannot carry', () => {
    const long = 'x'.repeat(1_025);
    expect(thrownBy(() => new GnmiClient({ ...base, password: long }))).toMatchObject({
      code: 'GNMI_CONFIG',
      details: { field: 'password', problem: 'too long' },
    });
    const error = thrownBy(() => new GnmiClient({ ...base, username: 'adm\u0000in-user-name', password: 'ok' }));
    expect(error).toBeInstanceOf(GnmiConfigError);
    for (const text of texts(error)) expect(text).not.toContain('in-user-name');
  });

  it('accepts printable ASCII up to 1024 characters, the empty password included', () => {
    for (const password of ['', ' !"#$%&\'()*+,-./0-9:;<=>?@A-Z[\\]^_`a-z{|}~', 'p'.repeat(1_024)]) {
      new GnmiClient({ ...base, username: 'admin', password }).close();
    }
  });

  it('keeps a password a target echoes out of the GnmiRpcError and its cause', () => {
    const password = 'hunter2-but-longer';
    const fromTarget = Object.assign(new Error(`16 UNAUTHENTICATED: bad password ${password}`), {
      code: status.UNAUTHENTICATED,
      details: `bad password ${password}`,
    });
    const error = fromGrpcError(fromTarget, [password]);
    expect(error).toBeInstanceOf(GnmiRpcError);
    expect(error).toMatchObject({ grpcStatus: 'UNAUTHENTICATED', isAuthFailure: true });
    expect(error.message).toContain('bad password [redacted]');
    for (const text of texts(error)) expect(text).not.toContain(password);
  });
});

describe('TLS files are read with a size cap, or given as content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-gnmi-tls-'));
  const big = join(dir, 'big.pem');
  writeFileSync(big, Buffer.alloc(1_048_577, 0x41));

  it.each([
    ['caFile', { caFile: '/dev/zero' }],
    ['caFile', { caFile: big }],
    ['caFile', { caFile: dir }],
    ['caFile', { caFile: join(dir, 'missing.pem') }],
    ['certFile', { certFile: big, keyFile: big }],
    ['keyFile', { cert: 'x', keyFile: '/dev/zero' }],
  ])('refuses a %s that is not a regular file of at most 1 MiB, at once', (_what, tls) => {
    const started = Date.now();
    expect(() => new GnmiClient({ ...base, tls })).toThrow(GnmiConfigError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses content and a file for the same thing, and a certificate without its key', () => {
    expect(() => new GnmiClient({ ...base, tls: { ca: 'x', caFile: big } })).toThrow('give ca or caFile, not both');
    expect(() => new GnmiClient({ ...base, tls: { cert: 'x' } })).toThrow(GnmiConfigError);
  });

  it('refuses a key that is not PEM without quoting it', () => {
    const key = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const error = thrownBy(() => new GnmiClient({ ...base, tls: { cert: key, key } }));
    expect(error).toBeInstanceOf(GnmiConfigError);
    for (const text of texts(error)) expect(text).not.toContain(key.split('\n')[1]);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { assertUniqueCodes } from '@switch-telemetry/errors';
import { deviceInputSchema, deviceRecordSchema, recordedDevice, type Device } from '@switch-telemetry/contracts';
import type { Logger } from '@switch-telemetry/logging';
import { CollectionErrorCodes } from './codes';
import { CredentialsError, parseCredentials, resolveCredentials, resolveDeviceSecrets } from './credentials';
import { DeviceSession, type SessionStatus } from './device-session';
import { describeFailure } from './failure';

const PASSWORD = 'hunter2-Sup3r-Secret';
const device = (extra: Record<string, unknown> = {}): Device =>
  recordedDevice(
    deviceRecordSchema.parse({
      ...deviceInputSchema.parse({
        id: 'leaf-1',
        name: 'leaf-1',
        protocol: 'gnmi',
        address: '192.0.2.1',
        port: 57400,
        credentials: 'core',
        ...extra,
      }),
      created_at: '2026-11-27T00:00:00Z',
      updated_at: '2026-11-27T00:00:00Z',
    }),
  );
const policy = {
  backoff: { baseMs: 10_000, capMs: 60_000, jitter: 0 },
  parkMs: 900_000,
  staleMs: 300_000,
  spreadMs: 0,
  healthyAfterMs: 60_000,
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'st-creds-'));
  writeFileSync(join(dir, 'core'), `admin:${PASSWORD}\n`);
  writeFileSync(join(dir, 'random'), randomBytes(512));
  writeFileSync(join(dir, 'nul'), `admin:SeCrEt\0vAlUe`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a session until its first failure; returns what it reported and every log line. */
async function failOnce(thrown: (password: string) => unknown, d = device()): Promise<{ status: SessionStatus; logs: string }> {
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
  ) as unknown as Logger;
  const reports: SessionStatus[] = [];
  const session = new DeviceSession(d, {
    runner: async (ctx) => {
      throw thrown(ctx.secrets.credentials.password ?? '');
    },
    policy,
    owner: 'c1',
    log,
    secrets: { credentialsDir: dir, env: {} },
    emit: async () => undefined,
    report: (s) => reports.push(s),
  });
  session.start({ spread: false });
  const deadline = Date.now() + 2_000;
  while (!reports.some((r) => r.state === 'backoff' || r.state === 'auth_failed') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  await session.stop();
  return { status: reports.find((r) => r.state === 'backoff' || r.state === 'auth_failed')!, logs: lines.join('') };
}

describe('a session failure as users see it', () => {
  it('carries our code and words, never the text a library threw, even when that text holds the password', async () => {
    // What grpc-js does with a metadata value it does not like.
    const { status, logs } = await failOnce((pw) =>
      Object.assign(new TypeError(`Metadata string value "${pw}" contains illegal characters`), { code: 'ERR_INVALID' }),
    );
    expect(status.last_error).toEqual({
      code: CollectionErrorCodes.UNEXPECTED,
      message: 'unexpected failure; the collector log has the details',
    });
    expect(JSON.stringify(status)).not.toContain(PASSWORD);
    expect(logs).toContain('Metadata string value');
    expect(logs).not.toContain(PASSWORD);
  });

  it('a device-supplied gRPC message is not repeated; the status name is', async () => {
    const { status } = await failOnce(() =>
      Object.assign(new Error('UNAVAILABLE: <script>device text</script>'), {
        code: 'GNMI_RPC',
        grpcStatus: 'UNAVAILABLE',
        classification: 'retryable',
      }),
    );
    expect(status.last_error).toEqual({ code: 'GNMI_RPC', message: 'the device ended the gNMI call with status UNAVAILABLE' });
  });

  it.each(['random', 'nul'])('credentials of %s bytes are refused with a message that holds none of them', async (name) => {
    const { status, logs } = await failOnce(() => new Error('not reached'), device({ credentials: name }));
    expect(status.state).toBe('auth_failed');
    expect(status.last_error?.code).toBe('COLLECTION_CREDENTIALS');
    expect(status.last_error?.message).toMatch(new RegExp(`^credentials "${name}"`));
    expect(status.last_error!.message).not.toMatch(/SeCrEt|vAlUe|[\x00-\x08]/);
    expect(logs).not.toMatch(/SeCrEt|vAlUe/);
  });
});

describe('named credentials', () => {
  it('reads a file of the credentials directory, else DEVICE_CREDENTIALS_<NAME>', async () => {
    expect(await resolveCredentials('core', { credentialsDir: dir, env: {} })).toEqual({ username: 'admin', password: PASSWORD });
    expect(
      await resolveCredentials('edge-routers', {
        credentialsDir: dir,
        env: { DEVICE_CREDENTIALS_EDGE_ROUTERS: '{"username":"nc","password":"pw"}' },
      }),
    ).toEqual({ username: 'nc', password: 'pw' });
  });

  it('cannot reach any other variable or file', async () => {
    const env = { DATABASE_PASSWORD: 'db-secret', NATS_TOKEN: 'nats-secret', DEVICE_CREDENTIALS_OK: 'a:b' };
    for (const name of ['database_password', 'nats_token', 'DATABASE_PASSWORD', '../etc/shadow', '/etc/shadow', 'env:NATS_TOKEN']) {
      const err = await resolveCredentials(name, { credentialsDir: dir, env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CredentialsError);
      expect(String((err as Error).message)).not.toMatch(/db-secret|nats-secret/);
    }
  });

  it('accepts one line of printable text or PEM keys, and nothing else', () => {
    expect(() => parseCredentials('admin:pa\u202Ess', 'x')).toThrow(CredentialsError);
    expect(() => parseCredentials('admin:line\nbreak', 'x')).toThrow(CredentialsError);
    expect(() => parseCredentials('{"username":"a","private_key":"not pem"}', 'x')).toThrow(/private_key is not PEM text/);
    expect(parseCredentials('admin:pässwörd', 'x')).toEqual({ username: 'admin', password: 'pässwörd' });
  });

  it('a trust file is read only from the trust directory', async () => {
    const err = await resolveDeviceSecrets(device({ credentials: null, tls: { ca: 'ca.pem' } }), { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toMatch(/no trust directory is configured/);
  });
});

describe('failure descriptions', () => {
  it('names the host-key fingerprint the device offered, and nothing it said', () => {
    const seen = `SHA256:${'x'.repeat(43)}`;
    expect(
      describeFailure(Object.assign(new Error('whatever'), { code: 'NETCONF_HOST_KEY_UNKNOWN', details: { seen } }), {
        address: 'h',
        port: 830,
      }).message,
    ).toContain(seen);
    expect(
      describeFailure(Object.assign(new Error('x'), { code: 'NETCONF_HOST_KEY_UNKNOWN', details: { seen: 'evil text' } }), {
        address: 'h',
        port: 830,
      }).message,
    ).not.toContain('evil');
  });

  it('tells XML that is not well-formed from XML past the parser limits', () => {
    const where = { address: 'h', port: 830 };
    expect(describeFailure(Object.assign(new Error('<evil>'), { code: 'NETCONF_XML' }), where)).toEqual({
      code: 'NETCONF_XML',
      message: 'the device sent XML that is not well-formed or not allowed',
    });
    expect(describeFailure(Object.assign(new Error('<evil>'), { code: 'NETCONF_XML_LIMIT' }), where).message).toMatch(
      /nested too deep or with too many elements/,
    );
  });

  it('codes are unique', () => {
    expect(() => assertUniqueCodes(CollectionErrorCodes)).not.toThrow();
  });
});

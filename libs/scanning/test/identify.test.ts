import { existsSync, readFileSync } from 'node:fs';
import { fingerprintOf } from '@switch-telemetry/netconf';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget, NetconfDevice } from '@switch-telemetry/sim';
import { startOtherService, type OtherService } from '../src/testing';
import { discoveryProfileSchema, identifyGnmi, identifyNetconf, vendorOf, type DiscoveryProfile, type ProfileCredentials } from '../src';

// Identification against the simulated fleet (a gNMI target and a NETCONF device, each on a loopback address of
// its own) and a port that answers garbage.
const log = createLogger({ app: 'identify-test', level: 'silent' });
const profile = (p: Partial<DiscoveryProfile> & { name: string }) => discoveryProfileSchema.parse(p);
const secrets: Record<string, ProfileCredentials> = {
  wrong: { username: 'admin', password: 'not-this-one' },
  lab: { username: 'admin', password: 'pw-gnmi' },
  netconf: { username: 'netconf', password: 'pw-nc' },
};
const credentialsOf = async (p: DiscoveryProfile) => secrets[p.credentials ?? ''] ?? {};

let gnmi: GnmiTarget;
let netconf: NetconfDevice;
let garbage: OtherService;
let garbagePort: number;

beforeAll(async () => {
  gnmi = new GnmiTarget({ name: 'g1', host: '127.30.10.1', port: 0, username: 'admin', password: 'pw-gnmi', interfaces: 1 });
  netconf = new NetconfDevice({ name: 'n1', host: '127.30.10.2', port: 0, username: 'netconf', password: 'pw-nc' });
  await gnmi.start();
  await netconf.start();
  garbage = await startOtherService('127.30.10.3');
  garbagePort = garbage.port;
});
afterAll(async () => {
  await gnmi?.stop();
  await netconf?.stop();
  await garbage?.close();
});

describe('gNMI', () => {
  it('tries TLS first, then plaintext when the profile allows it, and reads models, encodings and the version', async () => {
    const id = await identifyGnmi(
      '127.30.10.1',
      gnmi.port,
      [profile({ name: 'lab', credentials: 'lab', plaintext: true })],
      credentialsOf,
      {
        log,
        timeoutMs: 1_000,
      },
    );
    expect(id).toMatchObject({
      protocol: 'gnmi',
      profile: 'lab',
      transport: 'plaintext',
      gnmiVersion: '0.10.0',
      models: expect.arrayContaining([expect.objectContaining({ name: 'openconfig-interfaces' })]),
      encodings: expect.arrayContaining(['JSON_IETF']),
    });
  });

  it('never falls back to plaintext unless the profile says so', async () => {
    const id = await identifyGnmi('127.30.10.1', gnmi.port, [profile({ name: 'lab', credentials: 'lab' })], credentialsOf, {
      log,
      timeoutMs: 1_000,
    });
    expect(id).toMatchObject({ code: 'not_gnmi' });
  });

  it('goes on to the next profile when the credentials are refused', async () => {
    const profiles = [
      profile({ name: 'first', credentials: 'wrong', plaintext: true }),
      profile({ name: 'second', credentials: 'lab', plaintext: true }),
    ];
    expect(await identifyGnmi('127.30.10.1', gnmi.port, profiles, credentialsOf, { log, timeoutMs: 1_000 })).toMatchObject({
      protocol: 'gnmi',
      profile: 'second',
    });
    expect(await identifyGnmi('127.30.10.1', gnmi.port, profiles.slice(0, 1), credentialsOf, { log, timeoutMs: 1_000 })).toMatchObject({
      code: 'auth_refused',
    });
  });

  it('calls a port that answers garbage not gNMI, quickly, and leaves no connection to it open', async () => {
    const started = Date.now();
    const id = await identifyGnmi(
      '127.30.10.3',
      garbagePort,
      [profile({ name: 'lab', credentials: 'lab', plaintext: true })],
      credentialsOf,
      {
        log,
        timeoutMs: 1_000,
      },
    );
    expect(id).toMatchObject({ code: 'not_gnmi' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(garbage.open).toBe(0);
  });
});

describe('NETCONF', () => {
  it('reads the hello and reports the host key it saw, without pinning it anywhere', async () => {
    const id = await identifyNetconf('127.30.10.2', netconf.port, [profile({ name: 'nc', credentials: 'netconf' })], credentialsOf, {
      log,
      timeoutMs: 2_000,
    });
    expect(id).toMatchObject({
      protocol: 'netconf',
      profile: 'nc',
      fingerprint: netconf.fingerprint,
      capabilities: expect.arrayContaining(['urn:ietf:params:netconf:base:1.1']),
    });
  });

  it('reports refused credentials, and a port that is no SSH server', async () => {
    expect(
      await identifyNetconf('127.30.10.2', netconf.port, [profile({ name: 'x', credentials: 'wrong' })], credentialsOf, {
        log,
        timeoutMs: 2_000,
      }),
    ).toMatchObject({ code: 'auth_refused' });
    expect(
      await identifyNetconf('127.30.10.3', garbagePort, [profile({ name: 'nc', credentials: 'netconf' })], credentialsOf, {
        log,
        timeoutMs: 1_000,
      }),
    ).toMatchObject({ code: 'not_netconf', message: 'the port does not speak SSH' });
    await new Promise((r) => setTimeout(r, 200));
    expect(garbage.open).toBe(0);
  });
});

describe("against Debian's netconfd (the real NETCONF server npm test starts)", () => {
  const DIR = process.env.NETCONFD_DIR ?? '/tmp/st-netconfd';
  const PORT = Number(process.env.NETCONFD_PORT ?? 8830);

  it('identifies it with a key-based profile: its capabilities, its modules and its real host key', async () => {
    if (!existsSync(`${DIR}/client_ed25519`)) throw new Error(`netconfd is not set up (${DIR} is missing); npm test starts it (as root)`);
    const key = readFileSync(`${DIR}/client_ed25519`, 'utf8');
    const id = await identifyNetconf(
      '127.0.0.1',
      PORT,
      [profile({ name: 'yuma' })],
      async () => ({ username: 'netconf-test', privateKey: key }),
      {
        log,
        timeoutMs: 5_000,
      },
    );
    const pub = readFileSync(`${DIR}/host_ed25519.pub`, 'utf8').trim().split(/\s+/)[1]!;
    expect(id).toMatchObject({ protocol: 'netconf', profile: 'yuma', fingerprint: fingerprintOf(Buffer.from(pub, 'base64')) });
    expect((id as { modules: string[] }).modules).toContain('ietf-interfaces');
  });
});

describe('vendor hints', () => {
  it.each([
    [['Cisco-IOS-XR-infra-statsd-oper'], 'Cisco'],
    [['http://xml.juniper.net/junos/23.4R1/junos'], 'Juniper'],
    [['arista-intf-augments'], 'Arista'],
    [['openconfig-interfaces', 'OpenConfig working group'], null],
  ])('%j → %s', (texts, vendor) => {
    expect(vendorOf(texts)).toBe(vendor);
  });
});

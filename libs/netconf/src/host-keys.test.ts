import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import {
  NetconfConfigError,
  NetconfErrorCodes,
  fileHostKeyStore,
  fingerprintOf,
  hostKeyVerifier,
  knownHostKeys,
  parseKnownHosts,
  resolveHostKeyPolicy,
} from './index';

const key = randomBytes(51);
const other = randomBytes(51);
const b64 = (b: Buffer) => b.toString('base64');

describe('known_hosts', () => {
  it('finds plain, [host]:port and hashed entries for the host', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${b64(salt)}|${createHmac('sha1', salt).update('[10.0.0.1]:830').digest('base64')}`;
    const text = [
      '# comment',
      `[10.0.0.1]:830 ssh-ed25519 ${b64(key)}`,
      `${hashed} ssh-ed25519 ${b64(other)}`,
      `10.0.0.1 ssh-ed25519 ${b64(randomBytes(51))}`,
      'garbage',
    ].join('\n');
    expect(parseKnownHosts(text, '10.0.0.1', 830)).toEqual([key, other]);
  });

  it('never trusts a key on a @revoked or @cert-authority line', () => {
    const text = `@revoked [10.0.0.1]:830 ssh-ed25519 ${b64(key)}\n@cert-authority [10.0.0.1]:830 ssh-ed25519 ${b64(other)}\n`;
    expect(parseKnownHosts(text, '10.0.0.1', 830)).toEqual([]);
    const check = hostKeyVerifier({ fingerprints: [fingerprintOf(key)], knownHosts: text }, '10.0.0.1', 830);
    expect(check.verify(key)).toBe(false);
    expect(check.failure()?.message).toContain('revoked');
  });

  it('refuses what is not a regular file of at most 1 MiB with NetconfConfigError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    writeFileSync(join(dir, 'big'), Buffer.alloc(1_048_577, 0x23));
    for (const file of ['/dev/zero', dir, join(dir, 'big'), join(dir, 'missing')]) {
      expect(() => knownHostKeys(file, 'h', 22)).toThrow(NetconfConfigError);
      await expect(resolveHostKeyPolicy({ knownHostsFile: file })).rejects.toBeInstanceOf(NetconfConfigError);
    }
  });

  it('reads the file once, before any key is checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-kh-'));
    writeFileSync(join(dir, 'known_hosts'), `[h]:830 ssh-ed25519 ${b64(key)}\n`);
    const policy = await resolveHostKeyPolicy({
      knownHostsFile: join(dir, 'known_hosts'),
      knownHosts: `[h]:830 ssh-ed25519 ${b64(other)}\n`,
    });
    expect(policy.knownHostsFile).toBeUndefined();
    writeFileSync(join(dir, 'known_hosts'), '');
    const check = hostKeyVerifier(policy, 'h', 830);
    expect(check.verify(key)).toBe(true);
    expect(check.verify(other)).toBe(true);
  });
});

describe('the host-key check', () => {
  it('never throws: a store that fails becomes a NetconfConfigError in failure()', () => {
    const store = {
      get: () => {
        throw new Error('disk on fire');
      },
      set: () => undefined,
    };
    const check = hostKeyVerifier({ trustOnFirstUse: { store } }, 'h', 830);
    expect(check.verify(key)).toBe(false);
    expect(check.failure()).toBeInstanceOf(NetconfConfigError);
  });

  it('keeps trust-on-first-use keys in a file, and refuses a store it cannot read instead of starting over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-tofu-'));
    const store = fileHostKeyStore(join(dir, 'keys.json'));
    expect(store.get('h:830')).toBeUndefined();
    store.set('h:830', fingerprintOf(key));
    expect(fileHostKeyStore(join(dir, 'keys.json')).get('h:830')).toBe(fingerprintOf(key));
    writeFileSync(join(dir, 'broken.json'), '{"h:830": ');
    expect(() => fileHostKeyStore(join(dir, 'broken.json')).get('h:830')).toThrow(NetconfConfigError);
    expect(() => fileHostKeyStore('/dev/zero').get('h:830')).toThrow(NetconfConfigError);
    const check = hostKeyVerifier({ trustOnFirstUse: { store: fileHostKeyStore(join(dir, 'broken.json')) } }, 'h', 830);
    expect(check.verify(key)).toBe(false);
    expect(check.failure()).toBeInstanceOf(NetconfConfigError);
  });
});

it('has error codes unique across the project', () => {
  expect(() => assertUniqueCodes(ErrorCodes, NetconfErrorCodes)).not.toThrow();
});

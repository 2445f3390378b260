import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { HostKeyMismatchError, HostKeyUnknownError, NetconfConfigError } from './errors';

/** How a device's SSH host key is checked. One of these must be given: nothing is accepted silently. */
export interface HostKeyPolicy {
  /** Pinned fingerprints, as OpenSSH prints them (`SHA256:base64-without-padding`). */
  fingerprints?: string[];
  /** An OpenSSH known_hosts file (plain or hashed host names, `[host]:port` for other ports). */
  knownHostsFile?: string;
  /**
   * Trust on first use, when explicitly enabled: the first key seen is
   * recorded through `store`, and later different keys are refused.
   */
  trustOnFirstUse?: { store: HostKeyStore };
}

/** Where trust-on-first-use keys are kept (a file, a table: the caller's choice). */
export interface HostKeyStore {
  get(host: string): string | undefined;
  set(host: string, fingerprint: string): void;
}

/** A store in memory (tests, one-off commands). */
export function memoryHostKeyStore(): HostKeyStore {
  const keys = new Map<string, string>();
  return { get: (h) => keys.get(h), set: (h, f) => void keys.set(h, f) };
}

/** OpenSSH's SHA256 fingerprint of a public key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The names a known_hosts line may use for this host. */
function hostNames(host: string, port: number): string[] {
  return port === 22 ? [host] : [`[${host}]:${port}`];
}

function matchesHost(pattern: string, names: string[]): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
  }
  return pattern.split(',').some((p) => names.includes(p));
}

/** Key blobs a known_hosts file lists for this host. */
export function knownHostKeys(file: string, host: string, port: number): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new NetconfConfigError(`cannot read the known_hosts file ${file}`, { cause });
  }
  const names = hostNames(host, port);
  const keys: Buffer[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue;
    const [pattern, , key] = fields[0]!.startsWith('@') ? fields.slice(1) : fields;
    if (pattern && key && matchesHost(pattern, names)) keys.push(Buffer.from(key, 'base64'));
  }
  return keys;
}

/**
 * A host-key check for ssh2's `hostVerifier`: returns true to accept, and
 * otherwise records why in `outcome` (mismatch or unknown) for the caller to throw.
 */
export function hostKeyVerifier(policy: HostKeyPolicy, host: string, port: number): { verify(key: Buffer): boolean; failure(): Error | undefined } {
  if (!policy.fingerprints?.length && !policy.knownHostsFile && !policy.trustOnFirstUse) {
    throw new NetconfConfigError('a host-key policy is required: pinned fingerprints, a known_hosts file, or trust-on-first-use');
  }
  let failure: Error | undefined;
  return {
    failure: () => failure,
    verify(key: Buffer): boolean {
      const seen = fingerprintOf(key);
      const expected: string[] = [...(policy.fingerprints ?? [])];
      if (policy.knownHostsFile) expected.push(...knownHostKeys(policy.knownHostsFile, host, port).map(fingerprintOf));
      const id = `${host}:${port}`;
      if (policy.trustOnFirstUse) {
        const recorded = policy.trustOnFirstUse.store.get(id);
        if (recorded) expected.push(recorded);
        else if (expected.length === 0) {
          policy.trustOnFirstUse.store.set(id, seen);
          return true;
        }
      }
      if (expected.includes(seen)) return true;
      failure =
        expected.length > 0
          ? new HostKeyMismatchError(`host key of ${id} is ${seen}, not the one trusted (${expected.join(', ')}): refused`, { details: { seen, expected } })
          : new HostKeyUnknownError(`no trusted host key for ${id} (it offered ${seen}); pin it or enable trust-on-first-use`, { details: { seen } });
      return false;
    },
  };
}

/** Trust-on-first-use keys kept in a JSON file (`{"host:port": "SHA256:..."}`), for command-line use. */
export function fileHostKeyStore(path: string): HostKeyStore {
  const load = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    get: (host) => load()[host],
    set: (host, fingerprint) => {
      const all = load();
      all[host] = fingerprint;
      writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    },
  };
}

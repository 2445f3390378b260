import { createHash, createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readBoundedFile, readBoundedFileSync } from '@switch-telemetry/config';
import { HostKeyMismatchError, HostKeyUnknownError, NetconfConfigError } from './errors';

/** Largest known_hosts file read (OpenSSH's own are a few KiB; a device or a log must not be read whole). */
export const KNOWN_HOSTS_MAX_BYTES = 1_048_576;
/** Largest trust-on-first-use store file read. */
export const HOST_KEY_STORE_MAX_BYTES = 1_048_576;

/** How a device's SSH host key is checked. One of these must be given: nothing is accepted silently. */
export interface HostKeyPolicy {
  /** Pinned fingerprints, as OpenSSH prints them (`SHA256:base64-without-padding`). */
  fingerprints?: string[];
  /** An OpenSSH known_hosts file (plain or hashed host names, `[host]:port` for other ports), at most 1 MiB. */
  knownHostsFile?: string;
  /** The content of a known_hosts file, for callers that read the file themselves. */
  knownHosts?: string;
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

/** Trusted and revoked key blobs the known_hosts text lists for this host. */
function knownHostsEntries(text: string, host: string, port: number): { trusted: Buffer[]; revoked: Buffer[] } {
  const names = hostNames(host, port);
  const trusted: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue;
    const marker = fields[0]!.startsWith('@') ? fields[0] : undefined;
    const [pattern, , key] = marker ? fields.slice(1) : fields;
    if (!pattern || !key) continue;
    // @revoked keys are never trusted; @cert-authority lines name a CA key, not a host key (certificates are not supported).
    if (marker === '@revoked') revoked.push(Buffer.from(key, 'base64'));
    else if (!marker && matchesHost(pattern, names)) trusted.push(Buffer.from(key, 'base64'));
  }
  return { trusted, revoked };
}

/** Key blobs the known_hosts text trusts for this host (marker lines, `@revoked` and `@cert-authority`, trust nothing). */
export function parseKnownHosts(text: string, host: string, port: number): Buffer[] {
  return knownHostsEntries(text, host, port).trusted;
}

function knownHostsError(file: string, cause: unknown): NetconfConfigError {
  return new NetconfConfigError(
    `cannot use the known_hosts file ${JSON.stringify(file)}: ${(cause as { details?: { why?: string } }).details?.why ?? 'unreadable'}`,
    { cause },
  );
}

/** Reads a known_hosts file (a regular file of at most 1 MiB); NetconfConfigError otherwise. */
export async function readKnownHostsFile(file: string): Promise<string> {
  try {
    return (await readBoundedFile(file, { maxBytes: KNOWN_HOSTS_MAX_BYTES, what: 'known_hosts file' })).toString('utf8');
  } catch (cause) {
    throw knownHostsError(file, cause);
  }
}

function readKnownHostsFileSync(file: string): string {
  try {
    return readBoundedFileSync(file, { maxBytes: KNOWN_HOSTS_MAX_BYTES, what: 'known_hosts file' }).toString('utf8');
  } catch (cause) {
    throw knownHostsError(file, cause);
  }
}

/** Key blobs a known_hosts file trusts for this host (read synchronously, with the same limits as readKnownHostsFile). */
export function knownHostKeys(file: string, host: string, port: number): Buffer[] {
  return parseKnownHosts(readKnownHostsFileSync(file), host, port);
}

/**
 * The policy with its known_hosts file read into `knownHosts` (asynchronously,
 * bounded), so that checking a key later does no I/O and cannot fail on a file.
 */
export async function resolveHostKeyPolicy(policy: HostKeyPolicy): Promise<HostKeyPolicy> {
  if (!policy.knownHostsFile) return policy;
  const { knownHostsFile, ...rest } = policy;
  const text = await readKnownHostsFile(knownHostsFile);
  return { ...rest, knownHosts: policy.knownHosts ? `${policy.knownHosts}\n${text}` : text };
}

/**
 * A host-key check for ssh2's `hostVerifier`: returns true to accept, and
 * otherwise records why in `failure()` (mismatch, unknown, or a store that
 * failed) for the caller to report. Files are read here, once, never during
 * `verify`, and `verify` never throws.
 */
export function hostKeyVerifier(
  policy: HostKeyPolicy,
  host: string,
  port: number,
): { verify(key: Buffer): boolean; failure(): Error | undefined } {
  if (!policy.fingerprints?.length && !policy.knownHostsFile && policy.knownHosts === undefined && !policy.trustOnFirstUse) {
    throw new NetconfConfigError('a host-key policy is required: pinned fingerprints, a known_hosts file, or trust-on-first-use');
  }
  const known: string[] = [...(policy.fingerprints ?? [])];
  const revoked = new Set<string>();
  const addKnownHosts = (text: string) => {
    const entries = knownHostsEntries(text, host, port);
    known.push(...entries.trusted.map(fingerprintOf));
    for (const k of entries.revoked) revoked.add(fingerprintOf(k));
  };
  if (policy.knownHosts !== undefined) addKnownHosts(policy.knownHosts);
  if (policy.knownHostsFile) addKnownHosts(readKnownHostsFileSync(policy.knownHostsFile));
  const id = `${host}:${port}`;
  let failure: Error | undefined;
  const check = (key: Buffer): boolean => {
    const seen = fingerprintOf(key);
    if (revoked.has(seen)) {
      failure = new HostKeyMismatchError(`host key of ${id} is ${seen}, marked @revoked in known_hosts: refused`, {
        details: { seen, revoked: true },
      });
      return false;
    }
    const expected = [...known];
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
        ? new HostKeyMismatchError(`host key of ${id} is ${seen}, not the one trusted (${expected.join(', ')}): refused`, {
            details: { seen, expected },
          })
        : new HostKeyUnknownError(`no trusted host key for ${id} (it offered ${seen}); pin it or enable trust-on-first-use`, {
            details: { seen },
          });
    return false;
  };
  return {
    failure: () => failure,
    verify(key: Buffer): boolean {
      // ssh2 calls this inside its packet parser: a throw there breaks the connection in ways its caller cannot catch.
      try {
        return check(key);
      } catch (cause) {
        failure = cause instanceof NetconfConfigError ? cause : new NetconfConfigError(`the host-key check for ${id} failed`, { cause });
        return false;
      }
    },
  };
}

/**
 * Trust-on-first-use keys kept in a JSON file (`{"host:port": "SHA256:..."}`),
 * for command-line use. A missing file is an empty store; one that cannot be
 * read or parsed is a NetconfConfigError (never silently emptied: that would
 * trust any key again).
 */
export function fileHostKeyStore(path: string): HostKeyStore {
  const load = (): Record<string, string> => {
    let text: string;
    try {
      text = readBoundedFileSync(path, { maxBytes: HOST_KEY_STORE_MAX_BYTES, what: 'host-key store' }).toString('utf8');
    } catch (cause) {
      if ((cause as { cause?: { code?: string } }).cause?.code === 'ENOENT') return {};
      throw new NetconfConfigError(
        `cannot use the host-key store ${JSON.stringify(path)}: ${(cause as { details?: { why?: string } }).details?.why ?? 'unreadable'}`,
        { cause },
      );
    }
    if (text.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new NetconfConfigError(`the host-key store ${JSON.stringify(path)} is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new NetconfConfigError(`the host-key store ${JSON.stringify(path)} is not a JSON object`);
    return parsed as Record<string, string>;
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

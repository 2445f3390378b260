import { readNamedFile } from '@switch-telemetry/config';
import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import type { Device } from '@switch-telemetry/contracts';
import { CollectionErrorCodes } from './codes';

/** A device's credentials, resolved from their name at session start. */
export interface Credentials {
  username?: string;
  password?: string;
  privateKey?: string;
  /** PEM client certificate for mutual TLS (with privateKey). */
  certificate?: string;
}

/** Everything secret or trusted a session needs, read before it connects. */
export interface DeviceSecrets {
  credentials: Credentials;
  /** The gNMI client certificate and key (tls.client_cert). */
  clientCert?: { certificate: string; privateKey: string };
  /** The CA bundle (tls.ca), PEM. */
  ca?: Buffer;
  /** The known_hosts text (host_key.known_hosts). */
  knownHosts?: string;
}

/** Where the operator keeps secrets and trust files; nothing outside them is ever read. */
export interface SecretSources {
  /** One file per credential name (a mounted Kubernetes Secret). */
  credentialsDir?: string;
  /** CA bundles and known_hosts files, one file per name. */
  trustDir?: string;
  /** DEVICE_CREDENTIALS_<NAME> variables, when no file of that name exists. */
  env: NodeJS.ProcessEnv;
}

/** The prefix of credential variables: no other variable of the collector's environment can be named by a device. */
export const CREDENTIALS_ENV_PREFIX = 'DEVICE_CREDENTIALS_';
/** A credential is a password or a key, a few KiB at most. */
export const CREDENTIAL_MAX_BYTES = 65_536;
/** A CA bundle or known_hosts file. */
export const TRUST_FILE_MAX_BYTES = 1_048_576;

/** The named credentials or trust file cannot be used: not defined, unreadable, malformed. The message never holds the value. */
export class CredentialsError extends errorClass(CollectionErrorCodes.CREDENTIALS, PERMANENT) {}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// One line of printable text: no control characters (C0, DEL, C1), no bidi controls.
const PRINTABLE_LINE = /^[^\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,1024}$/u;
// PEM text: printable ASCII lines.
const PEM = /^-----BEGIN [A-Z0-9 ]+-----\r?\n[\x20-\x7e\r\n]+-----END [A-Z0-9 ]+-----\s*$/;

/** The variable that holds credential `name` (`core-routers` → DEVICE_CREDENTIALS_CORE_ROUTERS). */
export function credentialsVariable(name: string): string {
  return CREDENTIALS_ENV_PREFIX + name.toUpperCase().replace(/-/g, '_');
}

function field(value: unknown, rule: RegExp, what: string, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !rule.test(value))
    throw new CredentialsError(`credentials "${name}": ${what} is not ${rule === PEM ? 'PEM text' : 'one line of printable text'}`);
  return value;
}

/** Parses `username:password` (one line) or JSON {username, password, private_key, certificate}. */
export function parseCredentials(text: string, name: string): Credentials {
  const trimmed = text.replace(/\r?\n$/, '');
  if (trimmed.trimStart().startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new CredentialsError(`credentials "${name}" hold JSON that does not parse`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new CredentialsError(`credentials "${name}" must be a JSON object`);
    const out: Credentials = {};
    const username = field(o.username, PRINTABLE_LINE, 'username', name);
    const password = field(o.password, PRINTABLE_LINE, 'password', name);
    const privateKey = field(o.private_key, PEM, 'private_key', name);
    const certificate = field(o.certificate, PEM, 'certificate', name);
    if (username !== undefined) out.username = username;
    if (password !== undefined) out.password = password;
    if (privateKey !== undefined) out.privateKey = privateKey;
    if (certificate !== undefined) out.certificate = certificate;
    return out;
  }
  const colon = trimmed.indexOf(':');
  if (colon <= 0)
    throw new CredentialsError(
      `credentials "${name}" must hold "username:password" or JSON {"username","password","private_key","certificate"}`,
    );
  return {
    username: field(trimmed.slice(0, colon), PRINTABLE_LINE, 'username', name)!,
    password: field(trimmed.slice(colon + 1), PRINTABLE_LINE, 'password', name)!,
  };
}

/**
 * Reads credential `name`: the file of that name in the credentials
 * directory, else the DEVICE_CREDENTIALS_<NAME> variable. The name is checked
 * again here (the API checked it too); nothing else can be reached.
 */
export async function resolveCredentials(name: string, sources: SecretSources): Promise<Credentials> {
  if (!NAME.test(name)) throw new CredentialsError('a credential name must be 1-64 of a-z 0-9 _ -');
  if (sources.credentialsDir) {
    try {
      return parseCredentials(
        (await readNamedFile(sources.credentialsDir, name, { maxBytes: CREDENTIAL_MAX_BYTES, what: 'credentials' })).toString('utf8'),
        name,
      );
    } catch (err) {
      if (err instanceof CredentialsError) throw err;
      // Not in the directory: the variable may define it.
      if (sources.env[credentialsVariable(name)] === undefined) {
        throw new CredentialsError(
          `credentials "${name}" cannot be read from the credentials directory, and ${credentialsVariable(name)} is not set`,
          { cause: err },
        );
      }
    }
  }
  const value = sources.env[credentialsVariable(name)];
  if (value === undefined)
    throw new CredentialsError(
      `credentials "${name}" are not defined (set ${credentialsVariable(name)} or add a file to the credentials directory)`,
    );
  if (Buffer.byteLength(value) > CREDENTIAL_MAX_BYTES)
    throw new CredentialsError(`credentials "${name}" are larger than ${CREDENTIAL_MAX_BYTES} bytes`);
  return parseCredentials(value, name);
}

async function trustFile(sources: SecretSources, name: string, what: string): Promise<Buffer> {
  if (!sources.trustDir)
    throw new CredentialsError(`${what} "${name}" is named, but no trust directory is configured (COLLECTOR_TRUST_DIR)`);
  try {
    return await readNamedFile(sources.trustDir, name, { maxBytes: TRUST_FILE_MAX_BYTES, what });
  } catch (err) {
    throw new CredentialsError(`${what} "${name}" cannot be read from the trust directory`, { cause: err });
  }
}

/** Everything a device's session needs from the operator's secrets and trust files. */
export async function resolveDeviceSecrets(device: Device, sources: SecretSources): Promise<DeviceSecrets> {
  const secrets: DeviceSecrets = { credentials: device.credentials ? await resolveCredentials(device.credentials, sources) : {} };
  if (device.tls.client_cert) {
    const c = await resolveCredentials(device.tls.client_cert, sources);
    if (!c.certificate || !c.privateKey)
      throw new CredentialsError(`credentials "${device.tls.client_cert}" need both certificate and private_key for mutual TLS`);
    secrets.clientCert = { certificate: c.certificate, privateKey: c.privateKey };
  }
  if (device.tls.ca) secrets.ca = await trustFile(sources, device.tls.ca, 'CA bundle');
  if (device.host_key.known_hosts)
    secrets.knownHosts = (await trustFile(sources, device.host_key.known_hosts, 'known_hosts file')).toString('utf8');
  return secrets;
}

/** The secret strings among `secrets`, for scrubbing text that might echo one. */
export function secretValues(secrets: DeviceSecrets): string[] {
  const values = [secrets.credentials.password, secrets.credentials.privateKey, secrets.clientCert?.privateKey];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

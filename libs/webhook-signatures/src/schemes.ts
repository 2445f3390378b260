import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  DeliveryIdInvalidError,
  SecretInvalidError,
  SignatureInvalidError,
  SignatureMissingError,
  TimestampOutOfToleranceError,
} from './errors';

/** Schemes we sign with and verify. */
export type Scheme = 'hex' | 'github' | 'standard';
export const SCHEMES: readonly Scheme[] = ['hex', 'github', 'standard'];
/**
 * Schemes an incoming webhook source may use: ours, and `netbox` (NetBox and
 * Nautobot: `X-Hook-Signature`, the hex HMAC-SHA512 of the body; no
 * timestamp, no delivery id).
 */
export type IncomingScheme = Scheme | 'netbox';
export const INCOMING_SCHEMES: readonly IncomingScheme[] = [...SCHEMES, 'netbox'];

/** Header names as received (Node lower-cases them). */
export type Headers = Record<string, string | string[] | undefined>;

/** Standard Webhooks: ±5 minutes between the signed timestamp and our clock. */
export const STANDARD_TOLERANCE_S = 300;

/**
 * Where a delivery's identity comes from: `sender` when the sender names it
 * (Standard Webhooks `webhook-id`, GitHub `X-GitHub-Delivery`, `x-webhook-id`
 * beside a hex signature), so its repeats carry the same id however late;
 * `content` when it does not, the hash of the body, which only says that two
 * deliveries are equal, not that one is a repeat of the other.
 */
export type DeliveryIdentity = 'sender' | 'content';

export interface Verified {
  /** Identifies the delivery: the sender's id, or the SHA-256 of the body (32 hex digits). */
  deliveryId: string;
  identity: DeliveryIdentity;
  /** When the sender says it sent this attempt (Standard Webhooks `webhook-timestamp`), seconds since the epoch. */
  sentAtS?: number;
}

export interface VerifyOptions {
  scheme: IncomingScheme;
  /** Several for rotation: any one may have signed. */
  secrets: readonly string[];
  headers: Headers;
  /** The exact bytes received. */
  body: Buffer;
  /** Seconds since the epoch; injectable for tests. */
  nowS?: number;
  toleranceS?: number;
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hmac(key: Buffer | string, ...parts: Array<Buffer | string>): Buffer {
  return hmacOf('sha256', key, ...parts);
}

function hmacOf(algorithm: 'sha256' | 'sha512', key: Buffer | string, ...parts: Array<Buffer | string>): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time equality of two byte strings; different lengths are unequal. */
function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Standard Webhooks: a signing secret is 24 to 64 random bytes (192 to 512 bits). */
export const STANDARD_SECRET_MIN_BYTES = 24;
export const STANDARD_SECRET_MAX_BYTES = 64;
const STANDARD_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Why `secret` is not a Standard Webhooks secret (`whsec_` + base64 of 24 to
 * 64 bytes), or undefined when it is one. The reason never quotes the secret.
 */
export function standardSecretProblem(secret: string): string | undefined {
  const expected = `must be ${STANDARD_PREFIX} followed by the base64 of ${STANDARD_SECRET_MIN_BYTES} to ${STANDARD_SECRET_MAX_BYTES} random bytes`;
  if (!secret.startsWith(STANDARD_PREFIX)) return expected;
  const encoded = secret.slice(STANDARD_PREFIX.length);
  // Node's base64 decoder skips what it does not understand; encoding the
  // bytes back and comparing refuses everything but canonical padded base64.
  const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.toString('base64') !== encoded) return `${expected} (it is not base64)`;
  if (key.length < STANDARD_SECRET_MIN_BYTES || key.length > STANDARD_SECRET_MAX_BYTES) return `${expected} (it holds ${key.length})`;
  return undefined;
}

/** The key of a Standard Webhooks secret (`whsec_<base64>`); a secret without the prefix is used as raw bytes. */
export function standardKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new SecretInvalidError('a whsec_ secret must be base64 after the prefix');
  return Buffer.from(encoded, 'base64');
}

const HEX_SIG = /^[0-9a-f]{64}$/;
const HEX_SIG_512 = /^[0-9a-f]{128}$/;

const DELIVERY_ID = /^[A-Za-z0-9_.:-]{1,256}$/;

/** The sender's id from `name`, checked; undefined when the header is absent. */
function senderId(headers: Headers, name: string): string | undefined {
  const id = header(headers, name);
  if (id === undefined) return undefined;
  if (!DELIVERY_ID.test(id)) throw new DeliveryIdInvalidError(`${name} must be 1-256 of A-Z a-z 0-9 _ . : -`);
  return id;
}

/**
 * A signed body's identity: the sender's id in `idHeader` with the body's
 * hash when the id is given, else the body's hash alone. The id header is not
 * signed in these schemes, so it never stands alone: whoever holds one signed
 * body cannot claim another delivery's id with it (and have that delivery
 * taken for a repeat).
 */
function identityOf(headers: Headers, idHeader: string, body: Buffer): Verified {
  const id = senderId(headers, idHeader);
  const digest = createHash('sha256').update(body).digest('hex');
  if (id !== undefined) return { deliveryId: `${id}:${digest.slice(0, 16)}`, identity: 'sender' };
  return { deliveryId: digest.slice(0, 32), identity: 'content' };
}

function verifyHexDigest(received: string | undefined, secrets: readonly string[], body: Buffer, name: string): void {
  if (received === undefined || !HEX_SIG.test(received)) {
    throw new SignatureMissingError(`${name} must be 64 lowercase hex digits`);
  }
  const got = Buffer.from(received, 'hex');
  // Every secret is tried, so the time taken does not tell which matched.
  let ok = false;
  for (const secret of secrets) ok = same(hmac(secret, body), got) || ok;
  if (!ok) throw new SignatureInvalidError(`${name} does not match`);
}

/**
 * NetBox: the signature covers the body alone, and nothing names the
 * delivery. The body does: one user request (`request_id`) changes each
 * object once per event, so request, object, event and the body's hash name
 * it; a replay of the same bytes is the same delivery. A body without a
 * request id is named by its hash alone.
 */
function verifyNetbox(options: VerifyOptions): Verified {
  const received = header(options.headers, 'x-hook-signature');
  if (received === undefined || !HEX_SIG_512.test(received))
    throw new SignatureMissingError('x-hook-signature must be 128 lowercase hex digits');
  const got = Buffer.from(received, 'hex');
  let ok = false;
  for (const secret of options.secrets) ok = same(hmacOf('sha512', secret, options.body), got) || ok;
  if (!ok) throw new SignatureInvalidError('x-hook-signature does not match');
  const digest = createHash('sha256').update(options.body).digest('hex');
  let body: { request_id?: unknown; event?: unknown; data?: { id?: unknown } } | undefined;
  try {
    body = JSON.parse(options.body.toString('utf8')) as typeof body;
  } catch {
    body = undefined;
  }
  const request = body?.request_id;
  const object = body?.data?.id;
  const event = body?.event;
  if (
    typeof request === 'string' &&
    /^[A-Za-z0-9-]{1,64}$/.test(request) &&
    typeof object === 'number' &&
    Number.isSafeInteger(object) &&
    typeof event === 'string' &&
    /^[a-z_]{1,32}$/.test(event)
  ) {
    return { deliveryId: `nb:${request}:${object}:${event}:${digest.slice(0, 16)}`, identity: 'sender' };
  }
  return { deliveryId: digest.slice(0, 32), identity: 'content' };
}

function verifyStandard(options: VerifyOptions): Verified {
  const id = senderId(options.headers, 'webhook-id');
  const timestamp = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new SignatureMissingError('webhook-id, webhook-timestamp and webhook-signature are required');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureMissingError('webhook-timestamp must be whole seconds since the epoch');
  const now = options.nowS ?? Math.floor(Date.now() / 1_000);
  const tolerance = options.toleranceS ?? STANDARD_TOLERANCE_S;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new TimestampOutOfToleranceError(`webhook-timestamp is more than ${tolerance} s from now`);
  }
  const received = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  if (received.length === 0) throw new SignatureMissingError('webhook-signature has no v1 signature');
  let ok = false;
  for (const secret of options.secrets) {
    const expected = hmac(standardKey(secret), id, '.', timestamp, '.', options.body);
    for (const sig of received) ok = same(expected, sig) || ok;
  }
  if (!ok) throw new SignatureInvalidError('no webhook-signature matches');
  return { deliveryId: id, identity: 'sender', sentAtS: Number(timestamp) };
}

/**
 * Verifies a delivery's signature over the exact received bytes with any of
 * the source's secrets, in constant time per comparison, and tells who
 * identifies the delivery. Throws a typed error (missing, invalid, out of
 * tolerance, a malformed delivery id) otherwise.
 */
export function verifySignature(options: VerifyOptions): Verified {
  switch (options.scheme) {
    case 'hex':
      verifyHexDigest(header(options.headers, 'x-webhook-signature'), options.secrets, options.body, 'x-webhook-signature');
      return identityOf(options.headers, 'x-webhook-id', options.body);
    case 'github': {
      const value = header(options.headers, 'x-hub-signature-256');
      const digest = value?.startsWith('sha256=') ? value.slice('sha256='.length) : undefined;
      verifyHexDigest(digest, options.secrets, options.body, 'x-hub-signature-256');
      return identityOf(options.headers, 'x-github-delivery', options.body);
    }
    case 'standard':
      return verifyStandard(options);
    case 'netbox':
      return verifyNetbox(options);
  }
}

/**
 * Headers that sign `body` under `scheme` (outgoing webhooks; also tests of
 * the receiving side). Several secrets (a rotation: newest first) give one
 * Standard Webhooks signature each, space-separated, so a receiver that
 * knows either verifies; `hex` and `github` carry one signature, the first
 * secret's.
 */
export function signatureHeaders(
  scheme: IncomingScheme,
  secrets: string | readonly string[],
  body: Buffer | string,
  options: { id?: string; timestampS?: number } = {},
): Record<string, string> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const all = typeof secrets === 'string' ? [secrets] : secrets;
  if (all.length === 0) throw new SecretInvalidError('at least one secret is needed to sign');
  switch (scheme) {
    case 'hex':
      return { 'x-webhook-signature': hmac(all[0]!, bytes).toString('hex') };
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hmac(all[0]!, bytes).toString('hex')}` };
    case 'netbox':
      return { 'x-hook-signature': hmacOf('sha512', all[0]!, bytes).toString('hex') };
    case 'standard': {
      const id = options.id ?? `msg_${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`;
      const ts = String(options.timestampS ?? Math.floor(Date.now() / 1_000));
      const signatures = all.map((secret) => `v1,${hmac(standardKey(secret), id, '.', ts, '.', bytes).toString('base64')}`);
      return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signatures.join(' ') };
    }
  }
}

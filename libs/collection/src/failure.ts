import { hostPort, type Device, type SessionFailure } from '@switch-telemetry/contracts';
import { isStandardRpcErrorTag } from '@switch-telemetry/netconf';
import { CollectionErrorCodes } from './codes';
import { CredentialsError } from './credentials';

/**
 * Why a session is down, as the sessions KV, events, alerts and the API show
 * it: a stable code and a message we write ourselves. Never text from a
 * library or a device: a device controls its error strings, and a library's
 * text can hold what it was given (grpc-js echoes an invalid metadata value,
 * which was once a password).
 */
export type { SessionFailure } from '@switch-telemetry/contracts';

const GRPC_STATUS = /^[A-Z_]{2,32}$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

const ERRNO: Record<string, string> = {
  ECONNREFUSED: 'the device refused the connection',
  ECONNRESET: 'the device reset the connection',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the device is unreachable',
  ENETUNREACH: 'the device network is unreachable',
  ENOTFOUND: 'the device name does not resolve',
  EAI_AGAIN: 'the device name could not be resolved now',
};

type Described = (e: Record<string, unknown>, where: string) => string;

const MESSAGES: Record<string, Described> = {
  GNMI_CONNECT: (_e, where) => `${where} did not accept a gNMI connection in time`,
  GNMI_CONFIG: () => 'the gNMI connection settings cannot be used (credentials, certificate or key format)',
  GNMI_PATH_SYNTAX: () => 'a subscription path is not valid gNMI path syntax',
  GNMI_VALUE_DECODE: () => 'the device sent a value that cannot be decoded',
  GNMI_RPC: (e) => {
    const status = typeof e.grpcStatus === 'string' && GRPC_STATUS.test(e.grpcStatus) ? e.grpcStatus : 'an error';
    if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') return `the device refused the credentials (gRPC ${status})`;
    return `the device ended the gNMI call with status ${status}`;
  },
  NETCONF_AUTH: () => 'the device refused the credentials (SSH)',
  NETCONF_HOST_KEY_MISMATCH: (e) => `the device's SSH host key${seen(e)} is not the one trusted: refused`,
  NETCONF_HOST_KEY_UNKNOWN: (e) =>
    `no trusted SSH host key for the device${seen(e)}: pin its fingerprint, name a known_hosts file or enable trust-on-first-use`,
  NETCONF_CONNECT: (_e, where) => `SSH to ${where} failed`,
  NETCONF_CONFIG: () => 'the NETCONF connection settings cannot be used (credentials, key or known_hosts)',
  NETCONF_TIMEOUT: () => 'the device did not answer a NETCONF request in time',
  NETCONF_SESSION_CLOSED: () => 'the device closed the NETCONF session',
  NETCONF_FRAMING: () => 'the device sent a badly framed NETCONF message',
  NETCONF_MESSAGE_TOO_LARGE: () => 'the device sent a NETCONF message above the size limit',
  NETCONF_XML: () => 'the device sent XML that is not well-formed or not allowed',
  NETCONF_XML_LIMIT: () => 'the device sent XML nested too deep or with too many elements or attributes',
  NETCONF_PROTOCOL: () => 'the device broke the NETCONF protocol',
  NETCONF_RPC_ERROR: (e) => {
    const tag = typeof e.tag === 'string' && isStandardRpcErrorTag(e.tag) ? ` (${e.tag})` : '';
    return `the device answered a request with rpc-error${tag}`;
  },
  [CollectionErrorCodes.STREAM_ENDED]: () => 'the device ended the stream',
};

function seen(e: Record<string, unknown>): string {
  const details = (e.details ?? {}) as { seen?: unknown };
  return typeof details.seen === 'string' && FINGERPRINT.test(details.seen.replace(/=+$/, '')) ? ` (${details.seen})` : '';
}

/** A failure as a session reports it: our code and our words, with no text taken from the error. */
export function describeFailure(error: unknown, device: Pick<Device, 'address' | 'port'>): SessionFailure {
  const where = hostPort(device.address, device.port);
  const e = (error ?? {}) as Record<string, unknown>;
  const code = typeof e.code === 'string' ? e.code : undefined;
  // Our own errors build their messages from names, never from values.
  if (error instanceof CredentialsError) return { code: error.code, message: error.message.slice(0, 300) };
  if (code && MESSAGES[code]) {
    const firstTag = Array.isArray(e.errors) ? ((e.errors[0] ?? {}) as { tag?: unknown }).tag : undefined;
    return { code, message: MESSAGES[code]!({ ...e, tag: firstTag ?? e.tag }, where) };
  }
  if (code && ERRNO[code]) return { code, message: `${ERRNO[code]} (${where})` };
  return { code: CollectionErrorCodes.UNEXPECTED, message: 'unexpected failure; the collector log has the details' };
}

/** Replaces any secret value in `text` (defence in depth: logs must never carry one). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('[secret]');
  return out;
}

/** A loggable view of an error (name, code, scrubbed message and stack, causes), safe against echoed secrets. */
export function loggableError(error: unknown, secrets: readonly string[], depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrub(String(error), secrets).slice(0, 500) };
  const e = error as Error & { code?: unknown };
  return {
    type: e.name,
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    message: scrub(e.message, secrets).slice(0, 500),
    ...(e.stack ? { stack: scrub(e.stack, secrets).slice(0, 2_000) } : {}),
    ...(e.cause !== undefined && depth < 3 ? { cause: loggableError(e.cause, secrets, depth + 1) } : {}),
  };
}

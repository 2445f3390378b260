import { PERMANENT, RETRYABLE, UNKNOWN, errorClass, type Classification } from '@switch-telemetry/errors';
import { NetconfErrorCodes } from './codes';

/** The byte stream does not follow RFC 6242 framing (a bad chunk header, ...). */
export class FramingError extends errorClass(NetconfErrorCodes.FRAMING, PERMANENT) {}
/** A message grew past the limit before it ended. */
export class MessageTooLargeError extends errorClass(NetconfErrorCodes.TOO_LARGE, PERMANENT) {}
/** A message that is not well-formed XML. */
export class XmlError extends errorClass(NetconfErrorCodes.XML, PERMANENT) {}
/** A message nested deeper, or holding more elements or attributes, than the parser accepts. */
export class XmlLimitError extends errorClass(NetconfErrorCodes.XML_LIMIT, PERMANENT) {}
/** An RPC got no reply within its timeout. */
export class NetconfTimeoutError extends errorClass(NetconfErrorCodes.TIMEOUT, RETRYABLE) {}
/** The session ended (by the device, the network or us) with RPCs outstanding. */
export class SessionClosedError extends errorClass(NetconfErrorCodes.CLOSED, RETRYABLE) {}
/** The device broke the protocol: no hello, no common base version, a reply to nothing. */
export class ProtocolError extends errorClass(NetconfErrorCodes.PROTOCOL, PERMANENT) {}
/** The device presented a host key other than the one pinned or known. */
export class HostKeyMismatchError extends errorClass(NetconfErrorCodes.HOST_KEY_MISMATCH, PERMANENT) {}
/** No pinned or known key for this device, and trust-on-first-use is off. */
export class HostKeyUnknownError extends errorClass(NetconfErrorCodes.HOST_KEY_UNKNOWN, PERMANENT) {}
/** The SSH server refused the credentials. */
export class NetconfAuthError extends errorClass(NetconfErrorCodes.AUTH, PERMANENT) {}
/** The SSH connection could not be set up in time. */
export class NetconfConnectError extends errorClass(NetconfErrorCodes.CONNECT, RETRYABLE) {}
/** Options that cannot work (unreadable key file, no host-key policy). */
export class NetconfConfigError extends errorClass(NetconfErrorCodes.CONFIG, PERMANENT) {}

/** One `<rpc-error>` (RFC 6241 §4.3). */
export interface RpcErrorDetail {
  type: string;
  tag: string;
  severity: string;
  appTag?: string;
  path?: string;
  message?: string;
  info?: unknown;
}

// RFC 6241 Appendix A error-tags that may clear by themselves.
const RETRYABLE_TAGS = new Set(['in-use', 'lock-denied', 'resource-denied', 'rollback-failed']);
// Neither: the device does not say whether trying again helps.
const UNKNOWN_TAGS = new Set(['operation-failed', 'partial-operation']);
const PERMANENT_TAGS = new Set([
  'invalid-value',
  'too-big',
  'missing-attribute',
  'bad-attribute',
  'unknown-attribute',
  'missing-element',
  'bad-element',
  'unknown-element',
  'unknown-namespace',
  'access-denied',
  'data-exists',
  'data-missing',
  'operation-not-supported',
  'malformed-message',
]);

/** True for the error-tags RFC 6241 Appendix A defines (a vendor's own tag is not one). */
export function isStandardRpcErrorTag(tag: string): boolean {
  return RETRYABLE_TAGS.has(tag) || PERMANENT_TAGS.has(tag) || UNKNOWN_TAGS.has(tag);
}

/** The classification of an rpc-error tag. */
export function classifyRpcErrorTag(tag: string): Classification {
  if (RETRYABLE_TAGS.has(tag)) return RETRYABLE;
  if (PERMANENT_TAGS.has(tag)) return PERMANENT;
  return UNKNOWN; // operation-failed, partial-operation, vendor tags
}

/** The device answered an RPC with one or more `<rpc-error>`s (the first decides the class). */
export class NetconfRpcError extends errorClass(NetconfErrorCodes.RPC_ERROR, UNKNOWN) {
  override readonly classification: Classification;
  constructor(readonly errors: RpcErrorDetail[]) {
    const first = errors[0] ?? { type: 'rpc', tag: 'operation-failed', severity: 'error' };
    super(`${first.type}/${first.tag}: ${first.message ?? 'no message'}${first.path ? ` at ${first.path}` : ''}`, { details: { errors } });
    this.classification = classifyRpcErrorTag(first.tag);
  }
}

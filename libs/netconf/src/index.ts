export { NetconfErrorCodes } from './codes';
export {
  FramingError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  MessageTooLargeError,
  NetconfAuthError,
  NetconfConfigError,
  NetconfConnectError,
  NetconfRpcError,
  NetconfTimeoutError,
  ProtocolError,
  SessionClosedError,
  XmlError,
  classifyRpcErrorTag,
  type RpcErrorDetail,
} from './errors';
export { Deframer, EOM, MAX_CHUNK_SIZE, MAX_MESSAGE_BYTES, frame, type Framing } from './framing';

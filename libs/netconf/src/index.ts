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
  XmlLimitError,
  classifyRpcErrorTag,
  isStandardRpcErrorTag,
  type RpcErrorDetail,
} from './errors';
export { Deframer, EOM, MAX_CHUNK_SIZE, MAX_MESSAGE_BYTES, frame, type Framing } from './framing';
export {
  PRIVATE_KEY_MAX_BYTES,
  SSH_CONNECT_TIMEOUT_MS,
  connectNetconf,
  isPasswordPrompt,
  type NetconfConnectOptions,
  type NetconfConnection,
} from './client';
export {
  HOST_KEY_STORE_MAX_BYTES,
  KNOWN_HOSTS_MAX_BYTES,
  fileHostKeyStore,
  fingerprintOf,
  hostKeyVerifier,
  knownHostKeys,
  memoryHostKeyStore,
  parseKnownHosts,
  readKnownHostsFile,
  resolveHostKeyPolicy,
  type HostKeyPolicy,
  type HostKeyStore,
} from './host-keys';
export {
  BASE_10,
  BASE_11,
  INTERLEAVE_CAP,
  NOTIFICATION_CAP,
  XPATH_CAP,
  createSubscriptionXml,
  filterXml,
  getConfigXml,
  getXml,
  helloXml,
  rpcXml,
  type Filter,
} from './messages';
export { flatten, normalizeNotification, normalizeReply, type NetconfTelemetryMessage } from './normalize';
export {
  HELLO_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  NetconfSession,
  RPC_TIMEOUT_MS,
  type Hello,
  type NetconfNotification,
  type Reply,
  type SessionOptions,
} from './session';
export {
  MAX_XML_ATTRIBUTES,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  NETCONF_BASE_NS,
  NOTIFICATION_NS,
  escapeXml,
  parseXml,
  textOf,
  type XmlNode,
  type XmlValue,
} from './xml';

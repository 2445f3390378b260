export {
  CONNECT_TIMEOUT_MS,
  GnmiClient,
  GnmiRawSubscription,
  GnmiSubscription,
  KEEPALIVE_MS,
  MAX_CREDENTIAL_LENGTH,
  RPC_TIMEOUT_MS,
  TLS_FILE_MAX_BYTES,
  type GnmiClientOptions,
  type SubscribeEvent,
  type TlsOptions,
} from './client';
export { GnmiErrorCodes } from './codes';
export {
  GnmiConfigError,
  GnmiConnectError,
  GnmiRpcError,
  PathSyntaxError,
  ValueDecodeError,
  classifyGrpcStatus,
  fromGrpcError,
} from './errors';
export { normalizeNotification } from './normalize';
export { formatPath, joinPath, parsePath } from './path';
export { LOADER_OPTIONS, PROTO_DIR, gnmiService } from './proto';
export type * from './types';
export { decodeTypedValue, int64 } from './values';
export { messageHead, subscribeResponseToJson, type WireResponse } from './wire-json';

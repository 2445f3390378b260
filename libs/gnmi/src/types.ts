// The gNMI messages as proto-loader hands them to us (keepCase, 64-bit
// integers as decimal strings, bytes as Buffers, enums as names, oneofs named).

export type Encoding = 'JSON' | 'BYTES' | 'PROTO' | 'ASCII' | 'JSON_IETF';
export type SubscriptionMode = 'TARGET_DEFINED' | 'ON_CHANGE' | 'SAMPLE';
export type ListMode = 'STREAM' | 'ONCE' | 'POLL';

export interface PathElem {
  name: string;
  key?: Record<string, string>;
}

export interface Path {
  origin?: string;
  elem?: PathElem[];
  target?: string;
  /** Deprecated string elements; still sent by some old targets. */
  element?: string[];
}

export interface Decimal64 {
  digits: string;
  precision: number;
}

export interface TypedValue {
  value?: string;
  string_val?: string;
  int_val?: string;
  uint_val?: string;
  bool_val?: boolean;
  bytes_val?: Buffer;
  float_val?: number;
  double_val?: number;
  decimal_val?: Decimal64;
  leaflist_val?: { element?: TypedValue[] };
  any_val?: { type_url: string; value: Buffer };
  json_val?: Buffer;
  json_ietf_val?: Buffer;
  ascii_val?: string;
  proto_bytes?: Buffer;
}

export interface Update {
  path?: Path;
  val?: TypedValue;
  duplicates?: number;
}

export interface Notification {
  timestamp?: string;
  prefix?: Path;
  alias?: string;
  update?: Update[];
  delete?: Path[];
  atomic?: boolean;
}

export interface SubscribeResponse {
  response?: 'update' | 'sync_response' | 'error';
  update?: Notification;
  sync_response?: boolean;
  error?: { code: number; message: string };
}

export interface Subscription {
  path?: Path;
  mode?: SubscriptionMode;
  sample_interval?: string | number;
  suppress_redundant?: boolean;
  heartbeat_interval?: string | number;
}

export interface SubscriptionList {
  prefix?: Path;
  subscription?: Subscription[];
  mode?: ListMode;
  encoding?: Encoding;
  updates_only?: boolean;
  allow_aggregation?: boolean;
  use_aliases?: boolean;
}

export interface SubscribeRequest {
  subscribe?: SubscriptionList;
  poll?: Record<string, never>;
}

export interface ModelData {
  name: string;
  organization: string;
  version: string;
}

export interface CapabilityResponse {
  supported_models?: ModelData[];
  supported_encodings?: Encoding[];
  gNMI_version?: string;
}

export interface GetRequest {
  prefix?: Path;
  path?: Path[];
  type?: 'ALL' | 'CONFIG' | 'STATE' | 'OPERATIONAL';
  encoding?: Encoding;
}

export interface GetResponse {
  notification?: Notification[];
}

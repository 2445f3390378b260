export { ScanningErrorCodes } from './codes';
export { InvalidSubnetListError, SubnetRefusedError } from './errors';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_RATE_PER_S,
  probe,
  scanPorts,
  type PortScanOptions,
  type ProbeOutcome,
  type ScanCounts,
} from './probe';
export {
  DEFAULT_MAX_PREFIX_V4,
  DEFAULT_MAX_PREFIX_V6,
  SubnetPolicy,
  addressText,
  hostCount,
  hostsOf,
  parseSubnet,
  type Subnet,
  type SubnetPolicyOptions,
} from './targets';
export {
  IDENTIFY_TIMEOUT_MS,
  discoveryProfileSchema,
  identifyGnmi,
  identifyNetconf,
  speaksHttp2,
  speaksSsh,
  vendorOf,
  type DiscoveryProfile,
  type GnmiIdentity,
  type Identity,
  type NetconfIdentity,
  type ProfileCredentials,
  type Unidentified,
} from './identify';

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
  addressRefusal,
  addressText,
  hostCount,
  hostsOf,
  parseSubnet,
  subnetHolds,
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
export {
  DEFAULT_SUBSCRIPTIONS,
  DiscoveredDevices,
  MISSING_AFTER_SCANS,
  defaultSubscriptionsSchema,
  discoveredDeviceId,
} from './discovered';
export {
  DEFAULT_GNMI_PORTS,
  DEFAULT_NETCONF_PORTS,
  IDENTIFY_CONCURRENCY,
  PROGRESS_EVERY_MS,
  progressKey,
  scanWorker,
  type ScanWorkerOptions,
} from './scan';
export {
  SCAN_RETENTION_MS,
  SCAN_STATES,
  ScanStore,
  scanResultSchema,
  scanSchema,
  type Scan,
  type ScanResult,
  type ScanState,
} from './store';
export { subnetPolicyFrom, subnetPolicyShape } from './config';

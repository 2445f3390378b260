export { Announcer, type AnnouncerOptions } from './announcer';
export { Collector, MAX_CONNECTING, RESYNC_MS, type CollectorOptions } from './collector';
export { CollectionErrorCodes } from './codes';
export {
  CREDENTIALS_ENV_PREFIX,
  CredentialsError,
  credentialsVariable,
  resolveCredentials,
  resolveDeviceSecrets,
  type Credentials,
  type DeviceSecrets,
  type SecretSources,
} from './credentials';
export { describeFailure, type SessionFailure } from './failure';
export { DeviceSession, SESSION_POLICY, SESSION_STATES, type SessionPolicy, type SessionState, type SessionStatus } from './device-session';
export { Membership } from './membership';
export { connectionSpec, ownerOf, planSessions, type RunningSession, type SessionPlan } from './reconcile';
export { gnmiRunner, memoryTrustedHostKeys, netconfRunner, type Emitted, type ProtocolRunner, type RunContext, type RunnerOptions, type TrustedHostKeys } from './runners';
export { sessionCleanup, sessionCleanupJob } from './session-cleanup';
export { TelemetrySink, contentId, type DropReason, type Outgoing, type SinkOptions } from './sink';

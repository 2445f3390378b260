export { Announcer, type AnnouncerOptions } from './announcer';
export { Collector, type CollectorOptions } from './collector';
export { CredentialsError, resolveCredentials, type Credentials } from './credentials';
export { DeviceSession, SESSION_POLICY, SESSION_STATES, type SessionPolicy, type SessionState, type SessionStatus } from './device-session';
export { Membership } from './membership';
export { connectionSpec, ownerOf, planSessions, type RunningSession, type SessionPlan } from './reconcile';
export { gnmiRunner, netconfRunner, type Emitted, type ProtocolRunner, type RunContext, type RunnerOptions } from './runners';
export { sessionCleanup, sessionCleanupJob } from './session-cleanup';
export { TelemetrySink, type Outgoing, type SinkOptions } from './sink';

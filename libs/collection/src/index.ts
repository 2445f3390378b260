// What other projects use: the collector app runs a Collector and the
// stale-session cleanup job; the pipeline bench builds msg-ids as the sink does.
// Session statuses and their states are contracts (@switch-telemetry/contracts).
export { Collector, type CollectorOptions } from './collector';
export { CollectionErrorCodes } from './codes';
export { sessionCleanup, sessionCleanupJob } from './session-cleanup';
export { contentId } from './sink';
export { CredentialsError, credentialsVariable, resolveCredentials, type Credentials, type SecretSources } from './credentials';

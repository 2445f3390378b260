// sysexits.h values, so operators can tell failures apart from the exit status.
export const EXIT_OK = 0;
/** A crash, or a stop that overran its grace period. */
export const EXIT_FAILURE = 1;
/** EX_UNAVAILABLE: NATS or PostgreSQL did not answer at start-up. EX_CONFIG: the environment is invalid. */
export { EXIT_CONFIG, EXIT_UNAVAILABLE } from '@switch-telemetry/config';

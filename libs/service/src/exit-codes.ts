// sysexits.h values, so operators can tell failures apart from the exit status.
export const EXIT_OK = 0;
/** A crash, or a stop that overran its grace period. */
export const EXIT_FAILURE = 1;
/** EX_UNAVAILABLE: NATS or PostgreSQL did not answer at start-up. */
export const EXIT_UNAVAILABLE = 69;
/** EX_CONFIG: the environment is invalid; the message names every bad variable. */
export { EXIT_CONFIG } from '@switch-telemetry/config';

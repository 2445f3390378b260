import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { SignatureErrorCodes } from './codes';

/** A header the scheme needs is absent or malformed. */
export class SignatureMissingError extends errorClass(SignatureErrorCodes.MISSING, PERMANENT) {}
/** No configured secret produces the received signature. */
export class SignatureInvalidError extends errorClass(SignatureErrorCodes.INVALID, PERMANENT) {}
/** The signed timestamp is outside the tolerance: a replay, or a clock far off. */
export class TimestampOutOfToleranceError extends errorClass(SignatureErrorCodes.STALE, PERMANENT) {}
/** A configured secret cannot be used (a `whsec_` secret that is not base64). */
export class SecretInvalidError extends errorClass(SignatureErrorCodes.BAD_SECRET, PERMANENT) {}
/** A delivery id header (`webhook-id`, `x-webhook-id`, `x-github-delivery`) that is not 1-256 of A-Z a-z 0-9 _ . : -. */
export class DeliveryIdInvalidError extends errorClass(SignatureErrorCodes.BAD_DELIVERY_ID, PERMANENT) {}

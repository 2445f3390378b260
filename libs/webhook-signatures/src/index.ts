export { SignatureErrorCodes } from './codes';
export {
  DeliveryIdInvalidError,
  SecretInvalidError,
  SignatureInvalidError,
  SignatureMissingError,
  TimestampOutOfToleranceError,
} from './errors';
export {
  INCOMING_SCHEMES,
  SCHEMES,
  STANDARD_SECRET_MAX_BYTES,
  STANDARD_SECRET_MIN_BYTES,
  STANDARD_TOLERANCE_S,
  signatureHeaders,
  standardKey,
  standardSecretProblem,
  verifySignature,
  type DeliveryIdentity,
  type Headers,
  type IncomingScheme,
  type Scheme,
  type Verified,
  type VerifyOptions,
} from './schemes';

export { SignatureErrorCodes } from './codes';
export { SecretInvalidError, SignatureInvalidError, SignatureMissingError, TimestampOutOfToleranceError } from './errors';
export {
  SCHEMES,
  STANDARD_TOLERANCE_S,
  signatureHeaders,
  standardKey,
  verifySignature,
  type Headers,
  type Scheme,
  type Verified,
  type VerifyOptions,
} from './schemes';

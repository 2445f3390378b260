/** Every error code of the webhook signature lib. */
export const SignatureErrorCodes = {
  MISSING: 'WEBHOOK_SIGNATURE_MISSING',
  INVALID: 'WEBHOOK_SIGNATURE_INVALID',
  STALE: 'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
  BAD_SECRET: 'WEBHOOK_SECRET_INVALID',
} as const;

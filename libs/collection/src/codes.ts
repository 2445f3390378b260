/** Every error code of the collection lib, and the codes a session's last_error can carry. */
export const CollectionErrorCodes = {
  CREDENTIALS: 'COLLECTION_CREDENTIALS',
  STREAM_ENDED: 'COLLECTION_STREAM_ENDED',
  STALE: 'COLLECTION_STALE',
  UNEXPECTED: 'COLLECTION_UNEXPECTED',
} as const;

/** Every error code of the db lib. */
export const DbErrorCodes = {
  UNAVAILABLE: 'DB_UNAVAILABLE',
  MIGRATION_CHANGED: 'DB_MIGRATION_CHANGED',
  MIGRATION_FAILED: 'DB_MIGRATION_FAILED',
} as const;

/**
 * Every error code of this lib. Other libs keep their own `codes.ts`;
 * `allCodes()` of each is checked for uniqueness by its tests.
 */
export const ErrorCodes = {
  TIMEOUT: 'ST_TIMEOUT',
} as const;

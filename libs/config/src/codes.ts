/** Every error code of the config lib. */
export const ConfigErrorCodes = {
  INVALID: 'CONFIG_INVALID',
  FILE_REFUSED: 'CONFIG_FILE_REFUSED',
} as const;

/** sysexits.h EX_CONFIG: the documented exit status of a bad configuration. */
export const EXIT_CONFIG = 78;

/** sysexits.h EX_UNAVAILABLE: a service the process needs is missing or does not answer. */
export const EXIT_UNAVAILABLE = 69;

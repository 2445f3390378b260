/** switchctl's exit statuses (sysexits.h), documented in its usage text. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** EX_USAGE: wrong flags or arguments. */
  USAGE: 64,
  /** EX_DATAERR: the device sent something that does not decode. */
  DATA: 65,
  /** EX_UNAVAILABLE: could not connect, or the connection was lost. */
  CONNECTION: 69,
  /** EX_NOPERM: the device refused the credentials. */
  AUTH: 77,
} as const;

/** A failure with its exit status and the one line to print on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

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

/** What a socket error code means, in the words switchctl prints (the API's and NATS's connections alike). */
export const CONNECTION_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection lost',
};

/** What a caller should do about a failure: try again, give up, or decide by policy. */
export type Classification = 'retryable' | 'permanent' | 'unknown';

export const RETRYABLE: Classification = 'retryable';
export const PERMANENT: Classification = 'permanent';
export const UNKNOWN: Classification = 'unknown';

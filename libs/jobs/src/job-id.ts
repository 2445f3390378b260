import { createHash, randomUUID } from 'node:crypto';
import type { JobEnvelope } from './envelope';

/** A fresh job id. */
export function newJobId(): string {
  return randomUUID();
}

/** Canonical JSON (object keys sorted) so equal arguments hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The unique key of a job: its type and its arguments. */
export function uniqueHash(jobName: string, args: unknown): string {
  return createHash('sha256').update(jobName).update('\0').update(canonical(args)).digest('hex').slice(0, 24);
}

/**
 * A unique job's id is fixed by the stream sequence of its first message:
 * every duplicate enqueue gets that sequence back in its PubAck, and every
 * runner sees it on the message, so all agree on the id without a lookup.
 */
export function uniqueJobId(jobName: string, hash: string, streamSequence: number): string {
  return `${jobName}-${hash}-${streamSequence}`;
}

/** The id of the job a message carries (derived for a unique job's first message). */
export function jobIdOf(envelope: JobEnvelope, streamSequence: number): string {
  if (envelope.id !== '') return envelope.id;
  return uniqueJobId(envelope.worker, envelope.unique ?? 'none', streamSequence);
}

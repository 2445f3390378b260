import { assertQueueName, assertSubjectToken } from '@switch-telemetry/bus';
import type { BackoffPolicy } from '@switch-telemetry/errors';
import type { z } from 'zod';
import { InvalidJobDefinitionError } from './errors';

// Defaults, named with their units.
export const JOB_MAX_ATTEMPTS = 3;
export const JOB_TIMEOUT_MS = 60_000;
/** Job retries: 1 s, 2 s, 4 s ... capped at 5 min, plus up to 50 % jitter. */
export const JOB_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1_000, capMs: 300_000, jitter: 0.5 });

/** What a job is, shared by whoever enqueues it and whoever performs it. */
export interface JobType<A> {
  readonly name: string;
  readonly queue: string;
  readonly args: z.ZodType<A>;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
  /**
   * Enqueueing the same job type with equal arguments again within the JOBS
   * stream's duplicate window (5 min) returns the first job's id
   * and the job runs once.
   */
  readonly unique: boolean;
}

export interface JobTypeSpec<A> {
  name: string;
  queue: string;
  args: z.ZodType<A>;
  maxAttempts?: number;
  timeoutMs?: number;
  backoff?: BackoffPolicy;
  unique?: boolean;
}

/** Validates and freezes a job type; bad names or limits throw InvalidJobDefinitionError. */
export function defineJob<A>(spec: JobTypeSpec<A>): JobType<A> {
  try {
    assertQueueName(spec.queue);
    assertSubjectToken('job name', spec.name);
  } catch (cause) {
    throw new InvalidJobDefinitionError(`job ${spec.name}: ${(cause as Error).message}`, { cause });
  }
  const maxAttempts = spec.maxAttempts ?? JOB_MAX_ATTEMPTS;
  const timeoutMs = spec.timeoutMs ?? JOB_TIMEOUT_MS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1_000) {
    throw new InvalidJobDefinitionError(`job ${spec.name}: maxAttempts must be a whole number from 1 to 1000`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647) {
    throw new InvalidJobDefinitionError(`job ${spec.name}: timeoutMs must be a whole number from 1 to 2147483647`);
  }
  return Object.freeze({
    name: spec.name,
    queue: spec.queue,
    args: spec.args,
    maxAttempts,
    timeoutMs,
    backoff: spec.backoff ?? JOB_BACKOFF,
    unique: spec.unique ?? false,
  });
}

import { z } from 'zod';
import type { Classification } from '@switch-telemetry/errors';

// Bounds so a job that fails the same way many times stays a small message.
const MAX_ERRORS_KEPT = 25;
const MAX_ERROR_MESSAGE = 2_000;

/** One failed attempt, as kept on the job and in its dead letter. */
export interface JobErrorRecord {
  at: string;
  attempt: number;
  class: Classification;
  code?: string;
  name: string;
  message: string;
}

const errorRecord = z.object({
  at: z.string(),
  attempt: z.number().int().nonnegative(),
  class: z.enum(['retryable', 'permanent', 'unknown']),
  code: z.string().optional(),
  name: z.string(),
  message: z.string(),
});

/** The JSON body of every message on the JOBS stream (version 1). */
const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().max(200),
  queue: z.string(),
  worker: z.string(),
  args: z.unknown(),
  /** Attempts already made (0 for a fresh job). */
  attempt: z.number().int().nonnegative(),
  maxAttempts: z.number().int().positive(),
  snoozes: z.number().int().nonnegative(),
  errors: z.array(errorRecord),
  enqueuedAt: z.string(),
  /** Epoch ms; set while the job waits on the scheduled subject. */
  runAt: z.number().optional(),
  /** Hash of the unique key: the job id is derived from it and the stream sequence. */
  unique: z.string().optional(),
  /** Set when writing the dead letter failed: the next delivery only retries that write. */
  dead: z.object({ outcome: z.enum(['exhausted', 'discarded']), reason: z.string() }).optional(),
});

export type JobEnvelope = z.infer<typeof envelopeSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeEnvelope(envelope: JobEnvelope): Uint8Array {
  return encoder.encode(JSON.stringify(envelope));
}

/** Parses a JOBS message; throws with the reason when it is not a job envelope. */
export function decodeEnvelope(data: Uint8Array): JobEnvelope {
  const parsed = envelopeSchema.safeParse(JSON.parse(decoder.decode(data)));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`not a job envelope: ${first?.path.join('.') || '(root)'} ${first?.message ?? ''}`.trim());
  }
  return parsed.data;
}

/** The record of one failure, with the message bounded. */
export function errorRecordOf(error: unknown, attempt: number, classification: Classification, now: Date): JobErrorRecord {
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  const record: JobErrorRecord = {
    at: now.toISOString(),
    attempt,
    class: classification,
    name: typeof e?.name === 'string' ? e.name : typeof error,
    message: (typeof e?.message === 'string' ? e.message : String(error)).slice(0, MAX_ERROR_MESSAGE),
  };
  if (typeof e?.code === 'string') record.code = e.code;
  return record;
}

/** Appends a record, keeping the first one and the most recent ones. */
export function withError(errors: readonly JobErrorRecord[], record: JobErrorRecord): JobErrorRecord[] {
  const all = [...errors, record];
  return all.length <= MAX_ERRORS_KEPT ? all : [all[0]!, ...all.slice(all.length - MAX_ERRORS_KEPT + 1)];
}

import type { Pool, PoolClient } from '@switch-telemetry/db';

/** A message to publish once the transaction that wrote it commits. */
export interface OutboxMessage {
  subject: string;
  /** JSON-serialisable body. */
  payload: unknown;
  /** Nats-Msg-Id: a re-publish after a lost acknowledgement is stored once. */
  msgId: string;
  headers?: Record<string, string>;
}

/**
 * Writes `message` into the outbox on `tx`, inside the caller's transaction:
 * it is published if and only if the change beside it commits.
 */
export async function addToOutbox(tx: Pool | PoolClient, message: OutboxMessage): Promise<void> {
  await tx.query('INSERT INTO outbox (subject, msg_id, headers, payload) VALUES ($1, $2, $3, $4)', [
    message.subject,
    message.msgId,
    JSON.stringify(message.headers ?? {}),
    Buffer.from(JSON.stringify(message.payload)),
  ]);
}

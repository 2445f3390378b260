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
 * Writes many messages into the outbox on `tx` with one statement, in the
 * order given (they are published in that order). For changes of many
 * records at once (a NetBox listing applied, a profile edit reaching every
 * device that uses it).
 */
export async function addManyToOutbox(tx: Pool | PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO outbox (subject, msg_id, headers, payload)
     SELECT subject, msg_id, headers, payload FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[])
       WITH ORDINALITY AS m(subject, msg_id, headers, payload, n) ORDER BY n`,
    [
      messages.map((m) => m.subject),
      messages.map((m) => m.msgId),
      messages.map((m) => JSON.stringify(m.headers ?? {})),
      messages.map((m) => Buffer.from(JSON.stringify(m.payload))),
    ],
  );
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

import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { PublishError } from './errors';

export const PUBLISH_TIMEOUT_MS = 5_000;

export interface PublishOptions {
  /** Sets `Nats-Msg-Id`: a second publish with the same id inside the stream's duplicate window is stored once. */
  msgId?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const encoder = new TextEncoder();

/**
 * Publishes `payload` as JSON and resolves with JetStream's acknowledgement:
 * when it resolves, the message is stored. Any failure is a PublishError
 * (retryable) with the cause kept.
 */
export async function publishJson(
  js: JetStreamClient,
  subject: string,
  payload: unknown,
  options: PublishOptions = {},
): Promise<PubAck> {
  const hdrs = natsHeaders();
  hdrs.set('Content-Type', 'application/json');
  for (const [key, value] of Object.entries(options.headers ?? {})) hdrs.set(key, value);
  try {
    return await js.publish(subject, encoder.encode(JSON.stringify(payload)), {
      headers: hdrs,
      timeout: options.timeoutMs ?? PUBLISH_TIMEOUT_MS,
      ...(options.msgId === undefined ? {} : { msgID: options.msgId }),
    });
  } catch (cause) {
    throw new PublishError(`JetStream did not store the message on ${subject}`, { cause, details: { subject } });
  }
}

import type { Bus } from './connection';
import type { PubAck, PublishOptions } from './publisher';

export { PUBLISH_TIMEOUT_MS, type PubAck, type PublishOptions } from './publisher';

const encoder = new TextEncoder();

/**
 * Publishes `payload` as JSON and resolves with JetStream's acknowledgement:
 * when it resolves, the message is stored. Any failure is a PublishError
 * (retryable).
 */
export function publishJson(bus: Pick<Bus, 'publish'>, subject: string, payload: unknown, options: PublishOptions = {}): Promise<PubAck> {
  return bus.publish(subject, encoder.encode(JSON.stringify(payload)), {
    ...options,
    headers: { 'Content-Type': 'application/json', ...(options.headers ?? {}) },
  });
}

import { randomUUID } from 'node:crypto';
import type { DeviceEvent, Topology } from '@switch-telemetry/bus';
import type { PoolClient } from '@switch-telemetry/db';
import { addToOutbox } from '@switch-telemetry/outbox';
import { z } from 'zod';
import { deviceIdSchema, deviceSchema, type Device } from './device';

/** The body of `events.device.upserted` / `events.device.deleted`. */
export type DeviceEventBody = { v: 1; event: 'upserted'; device: Device } | { v: 1; event: 'deleted'; id: string };

/** Validates a device event as received: consumers never act on a body they have not checked. */
export const deviceEventBodySchema = z.discriminatedUnion('event', [
  z.object({ v: z.literal(1), event: z.literal('upserted'), device: deviceSchema }),
  z.object({ v: z.literal(1), event: z.literal('deleted'), id: deviceIdSchema }),
]);

/**
 * Writes a device event into the outbox, inside the transaction that makes
 * the change: it is published (by the outbox relay) exactly when the change
 * commits. `dedupeKey` (a webhook delivery) makes a second write of the same
 * change a duplicate in the stream; without it each change is its own event.
 */
export async function recordDeviceEvent(tx: PoolClient, topology: Topology, body: DeviceEventBody, dedupeKey?: string): Promise<void> {
  const event: DeviceEvent = body.event;
  const device = body.event === 'upserted' ? body.device.id : body.id;
  await addToOutbox(tx, {
    subject: topology.subjects.deviceEvent(event),
    payload: body,
    msgId: `device-${event}:${dedupeKey ?? `${device}:${randomUUID()}`}`,
    headers: { device },
  });
}

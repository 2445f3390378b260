import { randomUUID } from 'node:crypto';
import type { DeviceEvent, Topology } from '@switch-telemetry/bus';
import type { PoolClient } from '@switch-telemetry/db';
import { addManyToOutbox, addToOutbox, type OutboxLane, type OutboxMessage } from '@switch-telemetry/outbox';
import type { DeviceEventBody } from '@switch-telemetry/contracts';

/**
 * Writes a device event into the outbox, inside the transaction that makes
 * the change: it is published (by the outbox relay) exactly when the change
 * commits. `dedupeKey` (a webhook delivery) makes a second write of the same
 * change a duplicate in the stream; without it each change is its own event.
 */
export async function recordDeviceEvent(tx: PoolClient, topology: Topology, body: DeviceEventBody, dedupeKey?: string): Promise<void> {
  await addToOutbox(tx, deviceEventMessage(topology, body, dedupeKey));
}

/**
 * Device events of many changes in one statement (a batch applied at once).
 * `dedupeKey` names the batch: each event's id is it and the device's.
 */
export async function recordDeviceEvents(
  tx: PoolClient,
  topology: Topology,
  bodies: readonly DeviceEventBody[],
  dedupeKey: string,
): Promise<void> {
  await addManyToOutbox(
    tx,
    bodies.map((body) => deviceEventMessage(topology, body, `${dedupeKey}:${body.event === 'upserted' ? body.device.id : body.id}`)),
  );
}

function deviceEventMessage(topology: Topology, body: DeviceEventBody, dedupeKey: string | undefined): OutboxMessage {
  const event: DeviceEvent = body.event;
  const device = body.event === 'upserted' ? body.device.id : body.id;
  return {
    subject: topology.subjects.deviceEvent(event),
    payload: body,
    msgId: `device-${event}:${dedupeKey ?? `${device}:${randomUUID()}`}`,
    headers: { device },
  };
}

/** The outbox lane of device events: relayed by the apps that change devices (ingress, discovery), in commit order. */
export function deviceEventsLane(topology: Topology): OutboxLane {
  return { name: 'device-events', subjects: [topology.subjects.deviceEvents()] };
}

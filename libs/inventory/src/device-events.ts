import { publishJson, type Bus, type DeviceEvent, type Topology } from '@switch-telemetry/bus';
import type { Device } from './device';

/** The body of `events.device.upserted` / `events.device.deleted`. */
export type DeviceEventBody = { v: 1; event: 'upserted'; device: Device } | { v: 1; event: 'deleted'; id: string };

/**
 * Publishes a device event. `dedupeKey` (a webhook delivery, an API request)
 * makes a re-publish of the same change a duplicate within the stream's window.
 */
export async function publishDeviceEvent(
  bus: Bus,
  topology: Topology,
  body: DeviceEventBody,
  dedupeKey?: string,
): Promise<void> {
  const event: DeviceEvent = body.event;
  const device = body.event === 'upserted' ? body.device.id : body.id;
  await publishJson(bus, topology.subjects.deviceEvent(event), body, {
    headers: { device },
    ...(dedupeKey === undefined ? {} : { msgId: `device-${event}:${dedupeKey}` }),
  });
}

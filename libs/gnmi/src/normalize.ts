import type { TelemetryMessage } from '@switch-telemetry/contracts';
import { formatPath } from './path';
import type { Notification } from './types';
import { decodeTypedValue, int64 } from './values';

/**
 * One gNMI Notification → one telemetry message. Update and delete paths are
 * relative to the prefix when there is one (absolute otherwise); the
 * timestamp keeps its 64 bits.
 */
export function normalizeNotification(n: Notification, device: string, subscription: string): TelemetryMessage {
  const hasPrefix = (n.prefix?.elem?.length ?? 0) > 0 || (n.prefix?.element?.length ?? 0) > 0 || !!n.prefix?.origin;
  const relative = { relative: hasPrefix };
  return {
    v: 1,
    device,
    source: 'gnmi',
    subscription,
    ts: int64(n.timestamp),
    prefix: hasPrefix ? formatPath(n.prefix) : '',
    updates: (n.update ?? []).map((u) => ({ path: formatPath(u.path, relative), value: decodeTypedValue(u.val) })),
    deletes: (n.delete ?? []).map((d) => formatPath(d, relative)),
  };
}

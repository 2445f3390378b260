import { ALERT_SEVERITIES, ALERT_SEVERITY, type AlertKind, type AlertSeverity } from '@switch-telemetry/contracts';
import type { EndpointFilter } from './endpoints';

/** What an endpoint's filters look at. */
export interface AlertFacts {
  kind: string;
  severity: AlertSeverity;
  /** The device the alert is about, when it names one. */
  device?: string;
}

/** An alert kind's severity; a kind this build does not know (a newer collector's) is `warning`. */
export function severityOf(kind: string): AlertSeverity {
  return (ALERT_SEVERITY as Record<string, AlertSeverity>)[kind as AlertKind] ?? 'warning';
}

/** `*`, the kind itself, or `<prefix>.*` for a dotted kind under it. */
function kindMatches(patterns: readonly string[], kind: string): boolean {
  return patterns.some((p) => p === '*' || p === kind || (p.endsWith('.*') && kind.startsWith(p.slice(0, -1))));
}

/**
 * Whether the endpoint wants the alert, looking at everything but device
 * tags: kinds, severity, devices. `needsTags` says whether its tag filter
 * must still be checked (with the device's tags) before it is a match.
 */
export function matchesWithoutTags(endpoint: EndpointFilter, alert: AlertFacts): { matches: boolean; needsTags: boolean } {
  const matches =
    kindMatches(endpoint.events, alert.kind) &&
    ALERT_SEVERITIES.indexOf(alert.severity) >= ALERT_SEVERITIES.indexOf(endpoint.min_severity) &&
    (endpoint.devices.length === 0 || (alert.device !== undefined && endpoint.devices.includes(alert.device)));
  return { matches, needsTags: matches && Object.keys(endpoint.device_tags).length > 0 };
}

/** Whether a device's tags carry every tag the endpoint asks for (a device that is gone, or none named, carries none). */
export function tagsMatch(wanted: Readonly<Record<string, string>>, tags: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(wanted).every(([key, value]) => tags?.[key] === value);
}

/**
 * The endpoints that want the alert. `tagsOf` is asked (once) only when an
 * endpoint that passed the other filters filters on tags.
 */
export async function matchingEndpoints(
  endpoints: readonly EndpointFilter[],
  alert: AlertFacts,
  tagsOf: (device: string) => Promise<Record<string, string> | undefined>,
): Promise<EndpointFilter[]> {
  const out: EndpointFilter[] = [];
  let tags: Record<string, string> | undefined | null = null;
  for (const endpoint of endpoints) {
    const { matches, needsTags } = matchesWithoutTags(endpoint, alert);
    if (!matches) continue;
    if (needsTags) {
      if (tags === null) tags = alert.device === undefined ? undefined : await tagsOf(alert.device);
      if (!tagsMatch(endpoint.device_tags, tags)) continue;
    }
    out.push(endpoint);
  }
  return out;
}

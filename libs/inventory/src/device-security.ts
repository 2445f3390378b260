import type { DeviceInput } from '@switch-telemetry/contracts';

/**
 * The fields that decide where a device's secrets go and which peer is
 * trusted with them. Changing any of them, or creating a device that uses
 * credentials or weakens verification, needs the `admin` scope: with only
 * `write`, a caller could otherwise point a device that holds real
 * credentials at a host of their own and read the secret off the wire.
 */
export function securityChanges(current: DeviceInput | undefined, next: DeviceInput): string[] {
  const changed: string[] = [];
  if (current === undefined) {
    // A new device: its address is harmless until it is given secrets or a weaker check.
    if (next.credentials !== null) changed.push('credentials');
    if (next.tls.client_cert !== undefined) changed.push('tls.client_cert');
    if (next.tls.plaintext) changed.push('tls.plaintext');
    if (next.tls.insecure_skip_verify) changed.push('tls.insecure_skip_verify');
    if (next.host_key.trust_on_first_use) changed.push('host_key.trust_on_first_use');
    return changed;
  }
  for (const field of ['protocol', 'address', 'port', 'credentials'] as const) {
    if (current[field] !== next[field]) changed.push(field);
  }
  for (const [group, a, b] of [
    ['tls', current.tls, next.tls],
    ['host_key', current.host_key, next.host_key],
  ] as const) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      if (JSON.stringify((a as Record<string, unknown>)[key]) !== JSON.stringify((b as Record<string, unknown>)[key]))
        changed.push(`${group}.${key}`);
    }
  }
  return changed;
}

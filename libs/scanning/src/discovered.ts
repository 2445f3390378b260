import { deviceInputSchema, subscriptionSchema, type Subscription } from '@switch-telemetry/contracts';
import type { Pool } from '@switch-telemetry/db';
import { DeviceRepository, loadProfiles } from '@switch-telemetry/inventory';
import { z } from 'zod';
import type { DiscoveryProfile, Identity } from './identify';
import { subnetHolds, type Subnet } from './targets';

/** A device not found by this many scans of its subnet in a row is marked missing (never deleted). */
export const MISSING_AFTER_SCANS = 3;

/** What new devices collect until a user says otherwise: interface counters. */
export const DEFAULT_SUBSCRIPTIONS: Readonly<Record<'gnmi' | 'netconf', Subscription[]>> = Object.freeze({
  gnmi: [{ name: 'interfaces', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }],
  netconf: [{ name: 'interfaces', paths: ['/interfaces-state/interface/statistics'], mode: 'get', interval_ms: 30_000 }],
});

/** DISCOVERY_DEFAULT_SUBSCRIPTIONS: the subscriptions of new devices per protocol. */
export const defaultSubscriptionsSchema = z
  .object({ gnmi: z.array(subscriptionSchema).max(16), netconf: z.array(subscriptionSchema).max(16) })
  .strict();

/** The id of a device discovery creates: its address and port (`127.88.0.5:57400` → `disc-127-88-0-5-57400`). */
export function discoveredDeviceId(address: string, port: number): string {
  return `disc-${address.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${port}`;
}

/**
 * What discovery writes about the devices it finds. A device found the first time is created (with the
 * profile's credentials, the default subscriptions, a `discovered` tag; a NETCONF device disabled until an
 * admin approves the host key seen, unless the profile pins it). After that, the device record is the user's:
 * discovery updates only its own table (`device_discovery`: vendor, capabilities, the host key seen, when it
 * was last seen, scans missed).
 */
export class DiscoveredDevices {
  private readonly devices: DeviceRepository;

  constructor(
    private readonly pool: Pool,
    private readonly options: { subscriptions?: Readonly<Record<'gnmi' | 'netconf', Subscription[]>>; onChange?: () => void } = {},
  ) {
    this.devices = new DeviceRepository(pool);
  }

  /** Records an identified port; answers the device's id and whether it was created now. */
  async record(
    identity: Identity,
    address: string,
    port: number,
    scanId: string,
    profile: DiscoveryProfile,
  ): Promise<{ deviceId: string; created: boolean }> {
    let deviceId = (await this.pool.query<{ id: string }>('SELECT id FROM devices WHERE address = $1 AND port = $2', [address, port]))
      .rows[0]?.id;
    let created = false;
    if (deviceId === undefined) {
      const pinned = identity.protocol === 'netconf' && profile.pin_host_key && identity.fingerprint !== '';
      const input = deviceInputSchema.parse({
        id: discoveredDeviceId(address, port),
        name: `${identity.vendor ?? (identity.protocol === 'gnmi' ? 'gNMI' : 'NETCONF')} ${address}:${port}`,
        protocol: identity.protocol,
        address,
        port,
        credentials: profile.credentials ?? null,
        tls:
          identity.protocol === 'gnmi'
            ? identity.transport === 'plaintext'
              ? { plaintext: true }
              : identity.transport === 'tls-unverified'
                ? { insecure_skip_verify: true }
                : {}
            : {},
        host_key: pinned ? { fingerprints: [(identity as { fingerprint: string }).fingerprint] } : {},
        tags: { discovered: 'true' },
        // A NETCONF device whose host key nobody approved does not connect.
        enabled: identity.protocol === 'gnmi' || pinned,
        // Named subscription profiles replace the defaults; one that does not exist (yet) is left out.
        profiles: [...(await loadProfiles(this.pool, profile.subscription_profiles)).keys()],
        subscriptions:
          profile.subscription_profiles.length > 0 ? [] : (this.options.subscriptions ?? DEFAULT_SUBSCRIPTIONS)[identity.protocol],
      });
      try {
        deviceId = (await this.devices.create(input, { source: 'discovery' })).id;
        created = true;
        this.options.onChange?.();
      } catch (err) {
        // Another scan (or a user) created it meanwhile: it is theirs now.
        deviceId = (await this.pool.query<{ id: string }>('SELECT id FROM devices WHERE address = $1 AND port = $2', [address, port]))
          .rows[0]?.id;
        if (deviceId === undefined) throw err;
      }
    }
    const details =
      identity.protocol === 'gnmi'
        ? { gnmi_version: identity.gnmiVersion, models: identity.models, encodings: identity.encodings, transport: identity.transport }
        : { capabilities: identity.capabilities, modules: identity.modules };
    await this.pool.query(
      `INSERT INTO device_discovery (device_id, protocol, vendor, details, host_key_seen, last_scan_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (device_id) DO UPDATE SET protocol = $2, vendor = $3, details = $4, host_key_seen = $5, last_seen = now(),
         last_scan_id = $6, missed_scans = 0, missing_since = NULL`,
      [
        deviceId,
        identity.protocol,
        identity.vendor,
        JSON.stringify(details),
        identity.protocol === 'netconf' ? identity.fingerprint : null,
        scanId,
      ],
    );
    return { deviceId, created };
  }

  /** After a finished scan: each device discovery knows inside the subnet that this scan did not see has missed one more. */
  async markMissed(subnet: Subnet, scanId: string, missingAfter = MISSING_AFTER_SCANS): Promise<number> {
    const { rows } = await this.pool.query<{ device_id: string; address: string }>(
      `SELECT dd.device_id, d.address FROM device_discovery dd JOIN devices d ON d.id = dd.device_id
       WHERE dd.last_scan_id IS DISTINCT FROM $1`,
      [scanId],
    );
    const missed = rows.filter((r) => subnetHolds(subnet, r.address)).map((r) => r.device_id);
    if (missed.length === 0) return 0;
    await this.pool.query(
      `UPDATE device_discovery SET missed_scans = missed_scans + 1,
         missing_since = CASE WHEN missed_scans + 1 >= $2 THEN COALESCE(missing_since, now()) END
       WHERE device_id = ANY ($1::text[])`,
      [missed, missingAfter],
    );
    return missed.length;
  }

  /**
   * An admin trusts the host key discovery saw on a NETCONF device: it is pinned and the device enabled. Answers
   * why not when there is no such device or no key was seen.
   */
  async approveHostKey(deviceId: string): Promise<{ fingerprint: string } | 'missing' | 'no-key-seen'> {
    const seen = (
      await this.pool.query<{ host_key_seen: string | null }>('SELECT host_key_seen FROM device_discovery WHERE device_id = $1', [deviceId])
    ).rows[0];
    const device = await this.devices.get(deviceId);
    if (!device) return 'missing';
    if (!seen?.host_key_seen) return 'no-key-seen';
    const fingerprints = [...new Set([...(device.host_key.fingerprints ?? []), seen.host_key_seen])];
    await this.devices.update(deviceId, { host_key: { ...device.host_key, fingerprints }, enabled: true });
    this.options.onChange?.();
    return { fingerprint: seen.host_key_seen };
  }

  /** What discovery knows of a device (for the API), or undefined. */
  async of(deviceId: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.pool.query(
      `SELECT protocol, vendor, details, host_key_seen, first_seen, last_seen, last_scan_id, missed_scans, missing_since
       FROM device_discovery WHERE device_id = $1`,
      [deviceId],
    );
    return rows[0];
  }
}

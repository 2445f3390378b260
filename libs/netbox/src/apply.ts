import type { Topology } from '@switch-telemetry/bus';
import type { Device, DeviceInput } from '@switch-telemetry/contracts';
import type { Pool, PoolClient } from '@switch-telemetry/db';
import { DeviceRepository, canonicalJson, deviceInputOf, missingProfiles } from '@switch-telemetry/inventory';
import type { NetboxSource } from './config';
import { NetboxSyncRefusedError } from './errors';
import type { Mapped } from './mapping';

/** What one application did, device by device counted once. */
export interface ApplyCounts {
  /** NetBox devices considered (the listing's, or the one of a webhook). */
  seen: number;
  created: number;
  updated: number;
  /** Disabled because they left the selection, became unmonitorable, or left the listing. */
  disabled: number;
  /** Removed (deleted in NetBox, or left with on_leave `delete`). */
  removed: number;
  unchanged: number;
  excluded: number;
  unmonitorable: number;
  /** Not applied: a newer change of the device was applied already (a webhook after the listing began). */
  superseded: number;
  /** netbox_objects rows written (state or reason changed). */
  recorded: number;
}

export const emptyCounts = (): ApplyCounts => ({
  seen: 0,
  created: 0,
  updated: 0,
  disabled: 0,
  removed: 0,
  unchanged: 0,
  excluded: 0,
  unmonitorable: 0,
  superseded: 0,
  recorded: 0,
});

/** A NetBox device that NetBox says is gone (a `deleted` webhook). */
export interface Gone {
  state: 'gone';
  objectId: number;
}

export interface ApplyOptions {
  /** The whole listing: a device of the source that is not in it has left NetBox (or the listing's filters). */
  complete: boolean;
  /** When NetBox's state was read: a device changed after it (by a webhook) is left as it is. */
  changedAt: Date;
  /** Names the change's device events (a job's id). */
  eventKey: string;
}

interface ObjectRow {
  object_id: string;
  name: string;
  device_id: string;
  state: string;
  reason: string | null;
}

function sameDevice(a: DeviceInput, b: DeviceInput): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Applies what NetBox says about devices of one source, in the caller's
 * transaction, with a fixed number of statements however many devices:
 * creates, updates, disables or removes devices of source `netbox:<name>`
 * only (a device of another source is never touched: the NetBox device is
 * recorded unmonitorable instead), checks that the profiles it names exist
 * and that no other device holds its address and port, and records what
 * each NetBox device is to us. A device whose latest change is newer than
 * `changedAt` is left as it is. Nothing is written for what did not change.
 */
export class NetboxApplier {
  private readonly devices: DeviceRepository;
  private readonly owner: string;

  constructor(
    pool: Pool,
    topology: Topology | undefined,
    private readonly source: NetboxSource,
  ) {
    this.devices = new DeviceRepository(pool, topology);
    this.owner = `netbox:${source.name}`;
  }

  /** Serialises the source's applications (the listing's and the webhooks'), until `tx` ends. */
  async lock(tx: PoolClient): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('netbox-source:' || $1))`, [this.source.name]);
  }

  async apply(tx: PoolClient, items: ReadonlyArray<Mapped | Gone>, options: ApplyOptions): Promise<ApplyCounts> {
    await this.lock(tx);
    const counts = emptyCounts();
    counts.seen = items.length;
    const objectIds = items.map((i) => i.objectId);
    const idOf = (objectId: number) => `nb-${this.source.name}-${objectId}`;

    // What is there now: the source's devices (all of them for a listing), and what we recorded of each NetBox device.
    const candidateIds = items.map((i) => idOf(i.objectId));
    if (options.complete) {
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM devices WHERE source = $1', [this.owner]);
      candidateIds.push(...rows.map((r) => r.id));
    }
    const current = new Map((await this.devices.getMany([...new Set(candidateIds)], tx)).map((d) => [d.id, d]));
    const recorded = new Map<number, ObjectRow>();
    {
      const { rows } = await tx.query<ObjectRow>(
        options.complete
          ? 'SELECT object_id, name, device_id, state, reason FROM netbox_objects WHERE source = $1'
          : 'SELECT object_id, name, device_id, state, reason FROM netbox_objects WHERE source = $1 AND object_id = ANY($2)',
        options.complete ? [this.source.name] : [this.source.name, objectIds],
      );
      for (const r of rows) recorded.set(Number(r.object_id), r);
    }
    const marks = new Map<string, Date>();
    {
      const { rows } = await tx.query<{ device_id: string; changed_at: Date }>(
        'SELECT device_id, changed_at FROM device_change_marks WHERE device_id = ANY($1)',
        [[...new Set(candidateIds)]],
      );
      for (const r of rows) marks.set(r.device_id, r.changed_at);
    }
    const newer = (id: string) => (marks.get(id)?.getTime() ?? 0) > options.changedAt.getTime();

    // Profiles named that do not exist, and addresses other devices hold: those NetBox devices are unmonitorable.
    const monitored = items.filter((i): i is Extract<Mapped, { state: 'monitored' }> => i.state === 'monitored');
    const absentProfiles = new Set(
      await missingProfiles(
        tx,
        monitored.flatMap((m) => m.device.profiles),
      ),
    );
    const holders = await this.addressHolders(tx, monitored);

    const upsert: DeviceInput[] = [];
    const remove: string[] = [];
    const objects: Array<{ object_id: number; name: string; device_id: string; state: string; reason: string | null }> = [];
    const claimed = new Set<string>();
    const leave = (device: Device | undefined) => {
      if (!device || device.source !== this.owner) return;
      if (newer(device.id)) counts.superseded += 1;
      else if (this.source.on_leave === 'delete') {
        remove.push(device.id);
        counts.removed += 1;
      } else if (device.enabled) {
        upsert.push({ ...deviceInputOf(device), enabled: false });
        counts.disabled += 1;
      }
    };

    for (const item of items) {
      const id = idOf(item.objectId);
      const existing = current.get(id);
      if (item.state === 'gone') {
        if (existing?.source === this.owner) {
          if (newer(id)) counts.superseded += 1;
          else {
            remove.push(id);
            counts.removed += 1;
          }
        }
        continue;
      }
      let state: Mapped['state'] = item.state;
      let reason = item.state === 'monitored' ? null : item.reason;
      if (item.state === 'monitored') {
        const d = item.device;
        const key = `${d.address}|${d.port}`;
        const holder = holders.get(key);
        const missing = d.profiles.filter((p) => absentProfiles.has(p));
        if (existing && existing.source !== this.owner) reason = `our device ${id} belongs to source ${existing.source}`;
        else if (missing.length > 0) reason = `no subscription profile named ${missing.join(', ')}`;
        else if (holder !== undefined && holder !== id) reason = `${d.address} port ${d.port} is used by device ${holder}`;
        else if (claimed.has(key)) reason = `${d.address} port ${d.port} is used by another NetBox device of this source`;
        if (reason !== null) state = 'unmonitorable';
        else {
          claimed.add(key);
          if (newer(id)) counts.superseded += 1;
          else if (!existing) {
            upsert.push(d);
            counts.created += 1;
          } else if (!sameDevice(deviceInputOf(existing), d)) {
            upsert.push(d);
            counts.updated += 1;
          } else counts.unchanged += 1;
        }
      }
      if (state === 'excluded') counts.excluded += 1;
      if (state === 'unmonitorable') counts.unmonitorable += 1;
      if (state !== 'monitored') leave(existing);
      const before = recorded.get(item.objectId);
      const name = item.name.slice(0, 256);
      const shortReason = reason && reason.slice(0, 1_024);
      if (!before || before.state !== state || before.reason !== shortReason || before.name !== name || before.device_id !== id) {
        objects.push({ object_id: item.objectId, name, device_id: id, state, reason: shortReason });
      }
    }

    // A listing holds every NetBox device of the source: ours that it does not hold have left it.
    const goneObjects: number[] = [];
    if (options.complete) {
      const listed = new Set(candidateIds.slice(0, items.length));
      for (const device of current.values()) if (!listed.has(device.id)) leave(device);
      const inListing = new Set(objectIds);
      for (const objectId of recorded.keys()) if (!inListing.has(objectId)) goneObjects.push(objectId);
      this.refuseMassRemoval(items.length, counts, [...current.values()].filter((d) => d.source === this.owner && d.enabled).length);
    }
    for (const item of items) if (item.state === 'gone' && recorded.has(item.objectId)) goneObjects.push(item.objectId);

    if (upsert.length > 0 || remove.length > 0) {
      await this.devices.applyBatch(
        tx,
        { upsert, remove },
        { source: this.owner, changedAt: options.changedAt, eventKey: options.eventKey },
      );
    }
    if (objects.length > 0) {
      await tx.query(
        `INSERT INTO netbox_objects AS o (source, object_id, name, device_id, state, reason)
         SELECT $1, object_id, name, device_id, state, reason
           FROM jsonb_to_recordset($2::jsonb) AS x(object_id bigint, name text, device_id text, state text, reason text)
         ON CONFLICT (source, object_id) DO UPDATE SET name = EXCLUDED.name, device_id = EXCLUDED.device_id, state = EXCLUDED.state,
           reason = EXCLUDED.reason, updated_at = now()`,
        [this.source.name, JSON.stringify(objects)],
      );
    }
    if (goneObjects.length > 0) {
      await tx.query('DELETE FROM netbox_objects WHERE source = $1 AND object_id = ANY($2)', [this.source.name, goneObjects]);
    }
    counts.recorded = objects.length + goneObjects.length;
    return counts;
  }

  /**
   * An empty listing while the source has devices, or one that would take
   * away more than max_removal_fraction of them (and more than a handful),
   * is a NetBox or a filter gone wrong far more often than a real change:
   * refused, nothing applied, the reason in the sync's record.
   */
  private refuseMassRemoval(listed: number, counts: ApplyCounts, enabledOwned: number): void {
    if (enabledOwned === 0) return;
    if (listed === 0) {
      throw new NetboxSyncRefusedError(`the listing is empty while ${enabledOwned} devices come from this source: not applied`);
    }
    const leaving = counts.disabled + counts.removed;
    if (leaving > 5 && leaving > this.source.max_removal_fraction * enabledOwned) {
      throw new NetboxSyncRefusedError(
        `the listing would disable or remove ${leaving} of the source's ${enabledOwned} devices, more than max_removal_fraction ` +
          `${this.source.max_removal_fraction}: not applied`,
      );
    }
  }

  /** Which device holds each address and port the NetBox devices want ("address|port" → id). */
  private async addressHolders(tx: PoolClient, monitored: ReadonlyArray<{ device: DeviceInput }>): Promise<Map<string, string>> {
    if (monitored.length === 0) return new Map();
    const { rows } = await tx.query<{ id: string; address: string; port: number }>(
      `SELECT d.id, d.address, d.port FROM devices d
         JOIN unnest($1::text[], $2::integer[]) AS w(address, port) ON d.address = w.address AND d.port = w.port`,
      [monitored.map((m) => m.device.address), monitored.map((m) => m.device.port)],
    );
    return new Map(rows.map((r) => [`${r.address}|${r.port}`, r.id]));
  }
}

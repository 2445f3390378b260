import type { Topology } from '@switch-telemetry/bus';
import type { ProfileSubscriptions } from '@switch-telemetry/contracts';
import { inTransaction, type Pool, type PoolClient } from '@switch-telemetry/db';
import {
  deviceInputSchema,
  effectiveSubscriptions,
  type Device,
  type DeviceEventBody,
  type DeviceInput,
  type DevicePatch,
  type Subscription,
} from '@switch-telemetry/contracts';
import { recordDeviceEvent, recordDeviceEvents } from './device-events';
import { DeviceConflictError, InvalidDeviceError } from './errors';

/** Options of one change. */
export interface ChangeOptions {
  /**
   * Called inside the transaction with the device as it is (undefined when
   * new) and as it will be; throw to refuse the change (a missing scope).
   */
  authorize?: (current: DeviceInput | undefined, next: DeviceInput) => void;
  /** Makes a repeat of the same change (a webhook delivery) one event, not two. */
  eventKey?: string;
  /**
   * When the change happened (default: now). Recorded as the device's latest
   * change unless a later one is recorded already; see claimChange.
   */
  changedAt?: Date;
  /** Where a new record comes from (default `api`); an existing record keeps its source. */
  source?: string;
}

export interface DeviceFilter {
  protocol?: 'gnmi' | 'netconf';
  /** `key=value` on the tags. */
  tag?: { key: string; value: string };
  /** Where the devices come from (`api`, `discovery`, `netbox:<source>`). */
  source?: string;
  /** Devices that name this subscription profile. */
  profile?: string;
  /** Case-insensitive part of the id, name or address. */
  search?: string;
  /** Keyset paging: devices with an id after this one. */
  after?: string;
  /** Page size, 1..500. */
  limit?: number;
}

interface DeviceRow {
  id: string;
  name: string;
  protocol: 'gnmi' | 'netconf';
  address: string;
  port: number;
  credentials: string | null;
  tls: Device['tls'];
  host_key: Device['host_key'];
  tags: Record<string, string>;
  enabled: boolean;
  source: string;
  profiles: string[];
  created_at: Date;
  updated_at: Date;
  subscriptions: Subscription[] | null;
}

const INSERT = `INSERT INTO devices (id, name, protocol, address, port, credentials, tls, host_key, tags, enabled, profiles, source)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

function insertParams(input: DeviceInput, source = 'api'): unknown[] {
  return [
    input.id,
    input.name,
    input.protocol,
    input.address,
    input.port,
    input.credentials ?? null,
    JSON.stringify(input.tls),
    JSON.stringify(input.host_key),
    JSON.stringify(input.tags),
    input.enabled,
    input.profiles ?? [],
    source,
  ];
}

const SELECT = `
  SELECT d.*, COALESCE((
    SELECT json_agg(json_strip_nulls(json_build_object('name', s.name, 'paths', s.paths, 'mode', s.mode,
             'interval_ms', s.interval_ms, 'options', s.options)) ORDER BY s.name)
      FROM device_subscriptions s WHERE s.device_id = d.id), '[]'::json) AS subscriptions
  FROM devices d`;

/** The profiles' subscriptions by name, as effectiveSubscriptions reads them. */
export type ProfileMap = ReadonlyMap<string, ProfileSubscriptions>;

function fromRow(row: DeviceRow, profiles: ProfileMap): Device {
  // Stored options default to {}; an empty one is left out, as it came in.
  const subscriptions = (row.subscriptions ?? []).map(({ options, ...s }) =>
    options && Object.keys(options).length > 0 ? { ...s, options } : s,
  );
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol,
    address: row.address,
    port: row.port,
    credentials: row.credentials,
    tls: row.tls,
    host_key: row.host_key,
    tags: row.tags,
    enabled: row.enabled,
    profiles: row.profiles,
    subscriptions,
    source: row.source,
    effective_subscriptions: effectiveSubscriptions({ protocol: row.protocol, profiles: row.profiles, subscriptions }, profiles),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What a stored device was written from: the record without what the store adds (source, effective subscriptions, timestamps). */
export function deviceInputOf(device: Device): DeviceInput {
  const { created_at: _c, updated_at: _u, source: _s, effective_subscriptions: _e, ...input } = device;
  return input;
}

/** A device as stored from `input`: what fromRow would read back (subscriptions by name, empty options and absent intervals left out). */
function storedRecord(input: DeviceInput, row: { source: string; created_at: Date; updated_at: Date }, profiles: ProfileMap): Device {
  const subscriptions = [...input.subscriptions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ options, interval_ms, ...s }) => ({
      ...s,
      ...(interval_ms === undefined ? {} : { interval_ms }),
      ...(options && Object.keys(options).length > 0 ? { options } : {}),
    }));
  const device = { ...input, credentials: input.credentials ?? null, profiles: input.profiles ?? [], subscriptions };
  return {
    ...device,
    source: row.source,
    effective_subscriptions: effectiveSubscriptions(device, profiles),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Which of `names` name no subscription profile, read in `tx`; the ones that
 * exist are held until `tx` ends, so a delete of one waits for the change
 * that names it.
 */
export async function missingProfiles(tx: PoolClient, names: Iterable<string>): Promise<string[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const { rows } = await tx.query<{ name: string }>('SELECT name FROM subscription_profiles WHERE name = ANY($1) FOR SHARE', [wanted]);
  const found = new Set(rows.map((r) => r.name));
  return wanted.filter((n) => !found.has(n));
}

/** The subscriptions of the named profiles (the ones that exist), read on `client`. */
export async function loadProfiles(client: Pool | PoolClient, names: Iterable<string>): Promise<Map<string, ProfileSubscriptions>> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return new Map();
  const { rows } = await client.query<{ name: string; subscriptions: Subscription[] }>(
    'SELECT name, subscriptions FROM subscription_profiles WHERE name = ANY($1)',
    [wanted],
  );
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * The devices and device_subscriptions tables. Given a topology, every change
 * also writes its `events.device.*` event to the outbox in the same
 * transaction, so a committed change is always announced (even when NATS was
 * down) and a rolled-back one never is.
 */
export class DeviceRepository {
  constructor(
    private readonly pool: Pool,
    private readonly topology?: Topology,
  ) {}

  async get(id: string, client: Pool | PoolClient = this.pool): Promise<Device | undefined> {
    const { rows } = await client.query<DeviceRow>(`${SELECT} WHERE d.id = $1`, [id]);
    return (await this.records(client, rows))[0];
  }

  /** Devices by id (the ones that exist), in id order. */
  async getMany(ids: readonly string[], client: Pool | PoolClient = this.pool): Promise<Device[]> {
    const { rows } = await client.query<DeviceRow>(`${SELECT} WHERE d.id = ANY($1) ORDER BY d.id`, [ids]);
    return this.records(client, rows);
  }

  /** Rows as records, their profiles read once for all of them. */
  private async records(client: Pool | PoolClient, rows: DeviceRow[]): Promise<Device[]> {
    const profiles = await loadProfiles(
      client,
      rows.flatMap((r) => r.profiles),
    );
    return rows.map((r) => fromRow(r, profiles));
  }

  /** Refuses a device that names a profile that does not exist; holds the named ones until `tx` ends (a delete of one waits). */
  private async assertProfiles(tx: PoolClient, input: DeviceInput): Promise<void> {
    const missing = await missingProfiles(tx, input.profiles ?? []);
    if (missing.length > 0) {
      throw new InvalidDeviceError([{ field: 'profiles', problem: `no subscription profile named ${missing.join(', ')}` }]);
    }
  }

  /** Creates a device; DeviceConflictError when the id (or the address and port) is taken. */
  async create(input: DeviceInput, options: ChangeOptions = {}): Promise<Device> {
    return this.inTransaction(undefined, async (tx) => {
      await lockDevice(tx, input.id);
      options.authorize?.(undefined, input);
      await this.assertProfiles(tx, input);
      try {
        await tx.query(INSERT, insertParams(input, options.source));
      } catch (err) {
        throw conflictOr(err, input);
      }
      await this.replaceSubscriptions(tx, input.id, input.subscriptions);
      await this.mark(tx, input.id, options.changedAt, false);
      const device = (await this.get(input.id, tx))!;
      await this.announce(tx, { v: 1, event: 'upserted', device }, options.eventKey);
      return device;
    });
  }

  /** Creates or replaces a device and its subscriptions. `created` tells which. */
  async upsert(input: DeviceInput, client?: PoolClient, options: ChangeOptions = {}): Promise<{ device: Device; created: boolean }> {
    return this.inTransaction(client, async (tx) => {
      await lockDevice(tx, input.id);
      if (options.authorize) {
        const { rows } = await tx.query<{ id: string }>('SELECT id FROM devices WHERE id = $1 FOR UPDATE', [input.id]);
        const current = rows[0] ? await this.get(input.id, tx) : undefined;
        options.authorize(current && deviceInputOf(current), input);
      }
      await this.assertProfiles(tx, input);
      let inserted: boolean;
      try {
        const { rows } = await tx.query<{ inserted: boolean }>(
          `${INSERT}
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, protocol = EXCLUDED.protocol, address = EXCLUDED.address,
             port = EXCLUDED.port, credentials = EXCLUDED.credentials, tls = EXCLUDED.tls, host_key = EXCLUDED.host_key,
             tags = EXCLUDED.tags, enabled = EXCLUDED.enabled, profiles = EXCLUDED.profiles, updated_at = now()
           RETURNING (xmax = 0) AS inserted`,
          insertParams(input, options.source),
        );
        inserted = rows[0]!.inserted;
      } catch (err) {
        throw conflictOr(err, input);
      }
      await this.replaceSubscriptions(tx, input.id, input.subscriptions);
      await this.mark(tx, input.id, options.changedAt, false);
      const device = (await this.get(input.id, tx))!;
      await this.announce(tx, { v: 1, event: 'upserted', device }, options.eventKey);
      return { device, created: inserted };
    });
  }

  /** Applies a partial update (only the fields given change); undefined when there is no such device. */
  async update(id: string, patch: DevicePatch, options: ChangeOptions = {}): Promise<Device | undefined> {
    return this.inTransaction(undefined, async (tx) => {
      await lockDevice(tx, id);
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM devices WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return undefined;
      const current = deviceInputOf((await this.get(id, tx))!);
      const merged = deviceInputSchema.safeParse({ ...current, ...stripUndefined(patch) });
      if (!merged.success) {
        throw new InvalidDeviceError(merged.error.issues.map((i) => ({ field: i.path.join('.') || '(device)', problem: i.message })));
      }
      const next = merged.data;
      options.authorize?.(current, next);
      const { eventKey, changedAt } = options;
      return (await this.upsert(next, tx, stripUndefined({ eventKey, changedAt }))).device;
    });
  }

  /** Deletes a device (its subscriptions go with it); false when there was none. */
  async delete(id: string, client?: PoolClient, options: ChangeOptions = {}): Promise<boolean> {
    return this.inTransaction(client, async (tx) => {
      await lockDevice(tx, id);
      const { rowCount } = await tx.query('DELETE FROM devices WHERE id = $1', [id]);
      const deleted = (rowCount ?? 0) > 0;
      // A delete of a device that is not there is remembered only when it is ordered (a webhook's), so an older create cannot follow it.
      if (deleted || options.changedAt) await this.mark(tx, id, options.changedAt, true);
      if (deleted) await this.announce(tx, { v: 1, event: 'deleted', id }, options.eventKey);
      return deleted;
    });
  }

  /**
   * For a change that may arrive out of order (a webhook): records `changedAt`
   * as the device's latest change, in `tx`, unless a later change was
   * recorded (a webhook's, the API's, a deletion's). False when it was: the
   * change is superseded and must not be applied. Holds the device's mark
   * locked until `tx` ends, so two changes of one device are ordered.
   */
  async claimChange(tx: PoolClient, id: string, changedAt: Date): Promise<boolean> {
    await lockDevice(tx, id);
    const { rows } = await tx.query(
      `INSERT INTO device_change_marks AS m (device_id, changed_at, deleted) VALUES ($1, $2, false)
       ON CONFLICT (device_id) DO UPDATE SET changed_at = EXCLUDED.changed_at, recorded_at = now()
       WHERE m.changed_at <= EXCLUDED.changed_at
       RETURNING 1`,
      [id, changedAt],
    );
    return rows.length === 1;
  }

  /** Records a change as the device's latest, never moving the mark back (an API change older than a webhook's stays behind it). */
  private async mark(tx: PoolClient, id: string, changedAt: Date | undefined, deleted: boolean): Promise<void> {
    await this.markMany(tx, [id], changedAt ?? new Date(), deleted);
  }

  private async announce(tx: PoolClient, body: DeviceEventBody, eventKey: string | undefined): Promise<void> {
    if (this.topology) await recordDeviceEvent(tx, this.topology, body, eventKey);
  }

  /** One page of devices in id order, and the cursor of the next page. */
  async list(filter: DeviceFilter = {}): Promise<{ devices: Device[]; next?: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.protocol) where.push(`d.protocol = $${params.push(filter.protocol)}`);
    if (filter.source) where.push(`d.source = $${params.push(filter.source)}`);
    if (filter.profile) where.push(`d.profiles @> ARRAY[$${params.push(filter.profile)}::text]`);
    if (filter.tag) where.push(`d.tags ->> $${params.push(filter.tag.key)} = $${params.push(filter.tag.value)}`);
    if (filter.search) {
      const p = `$${params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`;
      where.push(`(d.id ILIKE ${p} OR d.name ILIKE ${p} OR d.address ILIKE ${p})`);
    }
    if (filter.after) where.push(`d.id > $${params.push(filter.after)}`);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
    const { rows } = await this.pool.query<DeviceRow>(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id LIMIT ${limit + 1}`,
      params,
    );
    const devices = await this.records(this.pool, rows.slice(0, limit));
    return rows.length > limit ? { devices, next: devices[devices.length - 1]!.id } : { devices };
  }

  /**
   * Applies many changes of one owner in `tx` with a few statements whatever
   * their number (a NetBox listing of ten thousand devices): upserts (a new
   * record gets `options.source`; an existing one keeps its own), removals,
   * their change marks at `options.changedAt`, and one device event each,
   * keyed by `options.eventKey` and the device. Takes no per-device lock (ten
   * thousand would fill PostgreSQL's lock table): the caller holds its own
   * owner's lock, and has checked that the profiles exist and that no other
   * device holds an address and port it sets.
   */
  async applyBatch(
    tx: PoolClient,
    batch: { upsert: readonly DeviceInput[]; remove: readonly string[] },
    options: { source: string; changedAt: Date; eventKey: string },
  ): Promise<{ created: number; updated: number; removed: number }> {
    const bodies: DeviceEventBody[] = [];
    let created = 0;
    let stored = new Map<string, { source: string; created_at: Date; updated_at: Date }>();
    if (batch.upsert.length > 0) {
      const ids = batch.upsert.map((d) => d.id);
      const rows = batch.upsert.map((d) => ({
        ...d,
        credentials: d.credentials ?? null,
        profiles: d.profiles ?? [],
        source: options.source,
      }));
      try {
        const result = await tx.query<{ id: string; inserted: boolean; source: string; created_at: Date; updated_at: Date }>(
          `INSERT INTO devices (id, name, protocol, address, port, credentials, tls, host_key, tags, enabled, profiles, source)
           SELECT id, name, protocol, address, port, credentials, tls, host_key, tags, enabled, profiles, source
             FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, protocol text, address text, port integer, credentials text,
               tls jsonb, host_key jsonb, tags jsonb, enabled boolean, profiles text[], source text)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, protocol = EXCLUDED.protocol, address = EXCLUDED.address,
             port = EXCLUDED.port, credentials = EXCLUDED.credentials, tls = EXCLUDED.tls, host_key = EXCLUDED.host_key,
             tags = EXCLUDED.tags, enabled = EXCLUDED.enabled, profiles = EXCLUDED.profiles, updated_at = now()
           WHERE devices.source = EXCLUDED.source
           RETURNING id, (xmax = 0) AS inserted, source, created_at, updated_at`,
          [JSON.stringify(rows)],
        );
        // A record of another owner, created since the caller looked: left alone, and the batch refused (it is retried).
        if (result.rows.length !== rows.length) {
          const taken = ids.filter((id) => !result.rows.some((r) => r.id === id));
          throw new DeviceConflictError(`devices ${taken.slice(0, 5).join(', ')} belong to another source`, {
            details: { ids: taken.slice(0, 20) },
          });
        }
        created = result.rows.filter((r) => r.inserted).length;
        stored = new Map(result.rows.map((r) => [r.id, r]));
      } catch (err) {
        const e = err as { code?: string; detail?: string };
        if (e.code === '23505') throw new DeviceConflictError(`a device of the batch conflicts with another: ${e.detail ?? ''}`.trim());
        throw err;
      }
      await tx.query('DELETE FROM device_subscriptions WHERE device_id = ANY($1)', [ids]);
      const subs = batch.upsert.flatMap((d) =>
        d.subscriptions.map((s) => ({ device_id: d.id, ...s, interval_ms: s.interval_ms ?? null, options: s.options ?? {} })),
      );
      if (subs.length > 0) {
        await tx.query(
          `INSERT INTO device_subscriptions (device_id, name, paths, mode, interval_ms, options)
           SELECT device_id, name, paths, mode, interval_ms, options
             FROM jsonb_to_recordset($1::jsonb) AS x(device_id text, name text, paths text[], mode text, interval_ms integer, options jsonb)`,
          [JSON.stringify(subs)],
        );
      }
      await this.markMany(tx, ids, options.changedAt, false);
      // The records as a read would give them, built here: ten thousand reads back cost more than the writes.
      const profiles = await loadProfiles(
        tx,
        batch.upsert.flatMap((d) => d.profiles ?? []),
      );
      for (const input of batch.upsert) {
        const row = stored.get(input.id)!;
        bodies.push({ v: 1, event: 'upserted', device: storedRecord(input, row, profiles) });
      }
    }
    let removed = 0;
    if (batch.remove.length > 0) {
      const { rows } = await tx.query<{ id: string }>('DELETE FROM devices WHERE id = ANY($1) RETURNING id', [batch.remove]);
      removed = rows.length;
      await this.markMany(
        tx,
        rows.map((r) => r.id),
        options.changedAt,
        true,
      );
      for (const { id } of rows) bodies.push({ v: 1, event: 'deleted', id });
    }
    if (this.topology) await recordDeviceEvents(tx, this.topology, bodies, options.eventKey);
    return { created, updated: batch.upsert.length - created, removed };
  }

  private async markMany(tx: PoolClient, ids: readonly string[], changedAt: Date, deleted: boolean): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `INSERT INTO device_change_marks AS m (device_id, changed_at, deleted) SELECT unnest($1::text[]), $2, $3
       ON CONFLICT (device_id) DO UPDATE SET changed_at = GREATEST(m.changed_at, EXCLUDED.changed_at), deleted = EXCLUDED.deleted,
         recorded_at = now()`,
      [ids, changedAt, deleted],
    );
  }

  /** Runs `fn` in a transaction on `client`, or on a fresh one from the pool. */
  async inTransaction<T>(client: PoolClient | undefined, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return client ? fn(client) : inTransaction(this.pool, fn);
  }

  private async replaceSubscriptions(tx: PoolClient, deviceId: string, subscriptions: Subscription[]): Promise<void> {
    await tx.query('DELETE FROM device_subscriptions WHERE device_id = $1', [deviceId]);
    for (const s of subscriptions) {
      await tx.query(
        `INSERT INTO device_subscriptions (device_id, name, paths, mode, interval_ms, options) VALUES ($1, $2, $3, $4, $5, $6)`,
        [deviceId, s.name, s.paths, s.mode, s.interval_ms ?? null, JSON.stringify(s.options ?? {})],
      );
    }
  }
}

/**
 * Every change of a device takes this lock first, until its transaction
 * ends: the API's changes and the webhook worker's touch `devices` and
 * `device_change_marks` in different orders, and would otherwise deadlock
 * on one device. Re-entrant within a transaction (an update that upserts).
 */
async function lockDevice(tx: PoolClient, id: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('device:' || $1))`, [id]);
}

function conflictOr(err: unknown, input: DeviceInput): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'devices_pkey') {
    return new DeviceConflictError(`a device with id ${input.id} exists`, { details: { id: input.id } });
  }
  if (e.code === '23505') {
    return new DeviceConflictError(`another device already uses ${input.address}:${input.port}`, {
      details: { address: input.address, port: input.port },
    });
  }
  return err;
}

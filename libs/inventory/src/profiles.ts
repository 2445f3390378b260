import type { Topology } from '@switch-telemetry/bus';
import { inTransaction, type Pool, type PoolClient } from '@switch-telemetry/db';
import type { DeviceEventBody, Subscription, SubscriptionProfile, SubscriptionProfileInput } from '@switch-telemetry/contracts';
import { canonicalJson } from './canonical';
import { recordDeviceEvents } from './device-events';
import { DeviceRepository } from './device-repository';
import { ProfileInUseError, ProfileVersionConflictError } from './errors';

interface ProfileRow {
  name: string;
  version: number;
  description: string;
  subscriptions: Subscription[];
  devices: string;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT p.*, (SELECT count(*) FROM devices d WHERE d.profiles @> ARRAY[p.name]) AS devices FROM subscription_profiles p`;

function fromRow(row: ProfileRow): SubscriptionProfile {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    subscriptions: row.subscriptions,
    devices: Number(row.devices),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * The subscription_profiles table. A change of a profile's subscriptions
 * writes, in the same transaction, a device event for every device that
 * names it (their effective subscriptions changed), so the collectors
 * restart exactly those sessions and no other.
 */
export class ProfileRepository {
  private readonly devices: DeviceRepository;

  constructor(
    private readonly pool: Pool,
    private readonly topology?: Topology,
  ) {
    this.devices = new DeviceRepository(pool, topology);
  }

  async list(): Promise<SubscriptionProfile[]> {
    const { rows } = await this.pool.query<ProfileRow>(`${SELECT} ORDER BY p.name`);
    return rows.map(fromRow);
  }

  async get(name: string, client: Pool | PoolClient = this.pool): Promise<SubscriptionProfile | undefined> {
    const { rows } = await client.query<ProfileRow>(`${SELECT} WHERE p.name = $1`, [name]);
    return rows[0] && fromRow(rows[0]);
  }

  /**
   * Creates or replaces a profile. `ifVersion` (the version the caller
   * read; 0 for "must not exist") refuses a change made on top of someone
   * else's. `devices` is how many devices were told of the change.
   */
  async put(
    name: string,
    input: SubscriptionProfileInput,
    options: { ifVersion?: number } = {},
  ): Promise<{ profile: SubscriptionProfile; created: boolean; devices: number }> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ version: number; subscriptions: Subscription[]; description: string }>(
        'SELECT version, subscriptions, description FROM subscription_profiles WHERE name = $1 FOR UPDATE',
        [name],
      );
      const current = rows[0];
      if (options.ifVersion !== undefined && options.ifVersion !== (current?.version ?? 0)) {
        throw new ProfileVersionConflictError(
          `profile ${name} is at version ${current?.version ?? 0}, not ${options.ifVersion}: read it again and apply the change to that`,
          { details: { version: current?.version ?? 0 } },
        );
      }
      const sameSubscriptions = current !== undefined && canonicalJson(current.subscriptions) === canonicalJson(input.subscriptions);
      const same = sameSubscriptions && current.description === input.description;
      if (!same) {
        await tx.query(
          `INSERT INTO subscription_profiles AS p (name, description, subscriptions) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, subscriptions = EXCLUDED.subscriptions,
             version = p.version + 1, updated_at = now()`,
          [name, input.description, JSON.stringify(input.subscriptions)],
        );
      }
      let told = 0;
      if (current && !sameSubscriptions) {
        const { rows: users } = await tx.query<{ id: string }>('SELECT id FROM devices WHERE profiles @> ARRAY[$1::text] ORDER BY id', [
          name,
        ]);
        const bodies: DeviceEventBody[] = (
          await this.devices.getMany(
            users.map((u) => u.id),
            tx,
          )
        ).map((device) => ({ v: 1, event: 'upserted', device }));
        if (this.topology) await recordDeviceEvents(tx, this.topology, bodies, `profile:${name}:v${current.version + 1}`);
        told = bodies.length;
      }
      return { profile: (await this.get(name, tx))!, created: current === undefined, devices: told };
    });
  }

  /** Deletes a profile no device names; ProfileInUseError otherwise. False when there was none. */
  async delete(name: string): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query('SELECT 1 FROM subscription_profiles WHERE name = $1 FOR UPDATE', [name]);
      if (rows.length === 0) return false;
      const { rows: users } = await tx.query<{ id: string }>(
        'SELECT id FROM devices WHERE profiles @> ARRAY[$1::text] ORDER BY id LIMIT 5',
        [name],
      );
      if (users.length > 0) {
        throw new ProfileInUseError(
          `profile ${name} is named by devices (${users.map((u) => u.id).join(', ')}${users.length === 5 ? ', ...' : ''})`,
        );
      }
      await tx.query('DELETE FROM subscription_profiles WHERE name = $1', [name]);
      return true;
    });
  }
}

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { withTimeout } from '@switch-telemetry/errors';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { kvDelete, kvPut, openBucket, type Bus, type Topology } from '@switch-telemetry/bus';
import type { Logger } from '@switch-telemetry/logging';

/** CAS writes in flight at once when many devices change hands together (a start, a takeover). */
const ACQUIRE_CONCURRENCY = 128;

interface Lease {
  /** The member holding it; null once deleted (kept so an older revision arriving late is not taken for the present). */
  owner: string | null;
  revision: number;
}

/**
 * This collector among the others. Liveness is one heartbeat per member in
 * the `collectors` bucket (its TTL drops a dead member); ownership is one
 * lease per device in `device-leases`, written with compare-and-set when a
 * device changes hands and never renewed: a lease is as good as its holder's
 * heartbeat. So ten thousand devices cost their member one write per
 * heartbeat, not one per device, and a dead member's devices are free as soon
 * as its heartbeat expires.
 *
 * No device is collected by two members: a device is taken only with a CAS
 * write over a lease that is missing, ours, or held by a member whose
 * heartbeat has expired; and a member whose own heartbeat could not be
 * renewed for 3/4 of the TTL (measured from when it sent the last one that
 * was stored) stops collecting (`fresh` turns false) before anyone can take
 * its devices at the full TTL; it keeps its leases meanwhile (no writes while
 * it may be cut off), and resumes them when its heartbeat is stored again.
 */
/** A name no other live process has: host, pid and a random suffix (a restarted process is a new member). */
export function defaultMemberId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The longest a listing of the live members may take before the round fails (and the next one tries again). */
const MEMBERS_TIMEOUT_MS = 5_000;
/** How long a round waits for the leader's word on a member missing from the listing. */
const LEADER_CHECK_TIMEOUT_MS = 2_000;
/** How long after a lease watch ended it is started again. */
const WATCH_RETRY_MS = 1_000;

export class Membership {
  /** This member's name in the collectors bucket and in the leases it holds. */
  readonly id: string;
  private collectors: KV | undefined;
  private leasesKv: KV | undefined;
  /** Every lease as the bucket has it (a watch keeps it current), by device. */
  private readonly leases = new Map<string, Lease>();
  private watcher: QueuedIterator<KvWatchEntry> | undefined;
  private leaving = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When the last heartbeat that was stored was sent (monotonic ms). */
  private lastBeatSent = Number.NEGATIVE_INFINITY;
  /** KV writes made for ownership: heartbeats and lease changes (metrics). */
  writes = 0;

  constructor(
    private readonly bus: Bus,
    private readonly topology: Topology,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
    id?: string,
  ) {
    this.id = id ?? defaultMemberId();
  }

  get heartbeatTtlMs(): number {
    return this.topology.buckets.collectors.ttlMs;
  }

  /** How often the heartbeat is renewed (and a reconcile is worth running): four tries per TTL. */
  get heartbeatEveryMs(): number {
    return Math.max(Math.floor(this.heartbeatTtlMs / 4), 100);
  }

  /**
   * True while no other member can have taken this one's devices: the last
   * stored heartbeat was sent less than 3/4 of the TTL ago. Others may take
   * over only at the full TTL after the server stored it (which is after we
   * sent it), so the quarter left is the margin; it is wide because under
   * load (thousands of sessions connecting) a heartbeat's acknowledgement
   * waits behind everything else this connection publishes.
   */
  get fresh(): boolean {
    return this.now() - this.lastBeatSent < (this.heartbeatTtlMs * 3) / 4;
  }

  /** The heartbeat being written, if one is. */
  private beating: Promise<void> | undefined;

  async join(): Promise<void> {
    this.collectors = await openBucket(this.bus, this.topology.buckets.collectors);
    this.leasesKv = await openBucket(this.bus, this.topology.buckets.deviceLeases);
    await this.beat();
    this.heartbeat = setInterval(() => {
      this.beating = this.beat().catch((err) => this.log.warn({ err }, 'heartbeat failed'));
    }, this.heartbeatEveryMs);
    this.heartbeat.unref();
    await this.watchLeases();
  }

  /**
   * Keeps `leases` current from a watch of the bucket. A watch that ends
   * while this member is still in (its consumer lost under load, an error)
   * is started again: a stale view would make every compare-and-set fail.
   */
  private async watchLeases(): Promise<void> {
    if (this.leaving) return;
    const watcher = await this.leasesKv!.watch();
    if (this.leaving) return void watcher.stop();
    this.watcher = watcher;
    void (async () => {
      for await (const entry of watcher) this.apply(entry.key, entry.operation === 'PUT' ? entry.string() : null, entry.revision);
    })()
      .catch((err) => this.log.warn({ err }, 'lease watch failed'))
      .finally(() => {
        if (this.leaving) return;
        this.log.warn('lease watch ended; watching again');
        this.rewatch();
      });
  }

  /** Starts the lease watch again after WATCH_RETRY_MS, and again after each failure to start it, until it runs or we leave. */
  private rewatch(): void {
    setTimeout(() => {
      this.watchLeases().catch((err) => {
        this.log.warn({ err }, 'lease watch could not start; trying again');
        this.rewatch();
      });
    }, WATCH_RETRY_MS).unref();
  }

  private async beat(): Promise<void> {
    const sent = this.now();
    await kvPut(this.bus, this.topology.buckets.collectors.name, this.id, JSON.stringify({ at: new Date().toISOString() }));
    this.writes += 1;
    this.lastBeatSent = Math.max(this.lastBeatSent, sent);
  }

  /** A lease as written (by us or seen by the watch); an older revision never replaces a newer one. */
  private apply(device: string, owner: string | null, revision: number): void {
    const known = this.leases.get(device);
    if (known && known.revision >= revision) return;
    this.leases.set(device, { owner, revision });
  }

  /** Live members (their heartbeat has not expired); this one only while it is fresh. */
  async members(): Promise<string[]> {
    // Bounded: a listing that stalls (its consumer lost under load) would hold the reconcile, and with it every
    // takeover, for ever; failing it lets the next round try again.
    const keys = await withTimeout(this.collectors!.keys(), MEMBERS_TIMEOUT_MS, 'listing the collector members');
    const listed = (async () => {
      const ids: string[] = [];
      for await (const key of keys) if (key !== this.id) ids.push(key);
      return ids;
    })();
    let ids: string[];
    try {
      ids = await withTimeout(listed, MEMBERS_TIMEOUT_MS, 'listing the collector members');
    } catch (err) {
      keys.stop();
      listed.catch(() => undefined);
      throw err;
    }
    if (this.fresh) ids.push(this.id);
    return ids.sort();
  }

  /** Devices whose lease this member holds. */
  get owned(): string[] {
    const mine: string[] = [];
    for (const [device, lease] of this.leases) if (lease.owner === this.id) mine.push(device);
    return mine;
  }

  /**
   * Takes the devices this member should run, where it can: those already
   * ours need no write; free ones and those of dead members are taken with
   * compare-and-set. Returns the devices held.
   */
  async acquire(devices: readonly string[], live: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>();
    if (!this.fresh) return held;
    const alive = new Set(live);
    let toTake: Array<{ device: string; lease: Lease | undefined }> = [];
    for (const device of devices) {
      const lease = this.leases.get(device);
      if (lease?.owner === this.id) held.add(device);
      else if (!lease || lease.owner === null || !alive.has(lease.owner)) toTake.push({ device, lease });
    }
    // A holder missing from the listing is asked about once more, of the stream's leader: a listing read
    // from a replica still catching up (a server just back) can miss members that are alive, and every
    // replica with such a view would take their devices at once.
    const missing = new Set(toTake.map((t) => t.lease?.owner).filter((o): o is string => typeof o === 'string'));
    if (missing.size > 0) {
      const gone = await this.gone([...missing]);
      toTake = toTake.filter((t) => typeof t.lease?.owner !== 'string' || gone.has(t.lease.owner));
    }
    for (let i = 0; i < toTake.length; i += ACQUIRE_CONCURRENCY) {
      await Promise.all(
        toTake.slice(i, i + ACQUIRE_CONCURRENCY).map(async ({ device, lease }) => {
          if (await this.take(device, lease)) held.add(device);
        }),
      );
    }
    return held;
  }

  /**
   * Of `members`, those whose heartbeat the leader of the `collectors` stream
   * does not hold (never written, deleted, or older than the TTL). A member
   * that cannot be asked about (NATS slow or away) counts as alive this round.
   */
  private async gone(members: string[]): Promise<Set<string>> {
    const bucket = this.topology.buckets.collectors.name;
    const out = new Set<string>();
    await Promise.all(
      members.map(async (member) => {
        try {
          // Not a direct get: that may be answered by any replica, the leader's answer is the one that counts.
          const beat = await withTimeout(
            this.bus.jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${member}` }),
            LEADER_CHECK_TIMEOUT_MS,
            'asking for a member heartbeat',
          );
          // No message (null) for that key: never written, or expired and removed.
          const op = beat?.header?.get('KV-Operation');
          if (!beat || op === 'DEL' || op === 'PURGE' || Date.now() - beat.time.getTime() >= this.heartbeatTtlMs) out.add(member);
        } catch (err) {
          this.log.debug({ err, member }, 'could not ask for a member heartbeat; its devices wait a round');
        }
      }),
    );
    return out;
  }

  private async take(device: string, lease: Lease | undefined): Promise<boolean> {
    try {
      // Compare-and-set at the revision we saw: 0 for a key never written (it must not exist),
      // else a deleted lease's marker or a dead member's lease.
      const revision = await kvPut(this.bus, this.topology.buckets.deviceLeases.name, device, this.id, {
        expectRevision: lease?.revision ?? 0,
      });
      this.writes += 1;
      this.apply(device, this.id, revision);
      if (lease?.owner) this.log.info({ device, from: lease.owner }, 'device taken over from a member whose heartbeat expired');
      return true;
    } catch (err) {
      // Someone else wrote first, or our view was behind: read the lease as it is (the watch may be slow
      // to bring it), so the next round compares against the right revision.
      this.log.debug({ err, device }, 'lease not taken; next round tries again');
      const entry = await this.leasesKv?.get(device).catch(() => null);
      if (entry) this.apply(device, entry.operation === 'PUT' ? entry.string() : null, entry.revision);
      return false;
    }
  }

  /** Gives a device up (handover): deleted only if still ours. */
  async release(device: string): Promise<void> {
    const lease = this.leases.get(device);
    if (lease?.owner !== this.id) return;
    try {
      const revision = await kvDelete(this.bus, this.topology.buckets.deviceLeases.name, device, { expectRevision: lease.revision });
      this.writes += 1;
      this.apply(device, null, revision);
    } catch (err) {
      this.log.debug({ err, device }, 'lease release failed; it is freed when the heartbeat expires');
    }
  }

  async leave(): Promise<void> {
    this.leaving = true;
    clearInterval(this.heartbeat);
    // A heartbeat still on its way would be stored after the delete below and keep this member alive for a TTL,
    // its share of the devices collected by no one meanwhile.
    await this.beating;
    await Promise.all(this.owned.map((d) => this.release(d)));
    await this.collectors?.delete(this.id).catch(() => undefined);
    this.watcher?.stop();
  }
}

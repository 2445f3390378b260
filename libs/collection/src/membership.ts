import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Kvm, type KV } from '@nats-io/kv';
import type { Bus, Topology } from '@switch-telemetry/bus';
import type { Logger } from '@switch-telemetry/logging';

/**
 * This collector among the others: a heartbeat in the `collectors` bucket
 * (its TTL drops a dead member), and per-device leases in `device-leases`
 * taken with compare-and-set, so a device is never collected by two.
 */
export class Membership {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private collectors: KV | undefined;
  private leases: KV | undefined;
  /** Lease revisions we hold, by device. */
  private readonly held = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly topology: Topology,
    private readonly log: Logger,
  ) {}

  get leaseTtlMs(): number {
    return this.topology.buckets.deviceLeases.ttlMs;
  }

  async join(): Promise<void> {
    const kvm = new Kvm(this.bus.js);
    this.collectors = await kvm.open(this.topology.buckets.collectors.name);
    this.leases = await kvm.open(this.topology.buckets.deviceLeases.name);
    await this.beat();
    const every = Math.max(Math.floor(this.topology.buckets.collectors.ttlMs / 3), 200);
    this.heartbeat = setInterval(() => void this.beat().catch((err) => this.log.warn({ err }, 'heartbeat failed')), every);
    this.heartbeat.unref();
  }

  private async beat(): Promise<void> {
    await this.collectors!.put(this.id, JSON.stringify({ at: new Date().toISOString() }));
  }

  /** Live members (their heartbeat has not expired). */
  async members(): Promise<string[]> {
    const ids: string[] = [];
    for await (const key of await this.collectors!.keys()) ids.push(key);
    if (!ids.includes(this.id)) ids.push(this.id);
    return ids.sort();
  }

  get owned(): string[] {
    return [...this.held.keys()];
  }

  /** Takes or renews the lease of a device; false when another member holds it. */
  async acquire(device: string): Promise<boolean> {
    const kv = this.leases!;
    const revision = this.held.get(device);
    try {
      const next = revision === undefined ? await kv.create(device, this.id) : await kv.update(device, this.id, revision);
      this.held.set(device, next);
      return true;
    } catch {
      // Someone else's, or ours from before a restart of this process: look.
      const entry = await kv.get(device).catch(() => null);
      const free = entry !== null && (entry.operation === 'DEL' || entry.operation === 'PURGE');
      const oursFromBefore = entry !== null && entry.operation === 'PUT' && entry.string() === this.id;
      if (entry && (free || oursFromBefore)) {
        try {
          this.held.set(device, await kv.update(device, this.id, entry.revision));
          return true;
        } catch {
          /* lost the race */
        }
      }
      this.held.delete(device);
      return false;
    }
  }

  /** Gives a device up (handover): deleted only if still ours. */
  async release(device: string): Promise<void> {
    const revision = this.held.get(device);
    this.held.delete(device);
    if (revision === undefined) return;
    await this.leases!.delete(device, { previousSeq: revision }).catch(() => undefined);
  }

  async leave(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.owned.map((d) => this.release(d)));
    await this.collectors?.delete(this.id).catch(() => undefined);
  }
}

import type { Msg, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { kvDelete, kvPut, openBucket, type Bus, type SessionEvent, type Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import { backoffDelayMs } from '@switch-telemetry/errors';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceEventBodySchema, recordedDevice, restartRequestSchema, type Device } from '@switch-telemetry/contracts';
import type { Logger } from '@switch-telemetry/logging';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { Announcer } from './announcer';
import { ConnectGate } from './connect-gate';
import type { SecretSources } from './credentials';
import { DeviceSession, SESSION_POLICY, SESSION_STATES, type SessionPolicy, type SessionState, type SessionStatus } from './device-session';
import { Membership } from './membership';
import { connectionSpec, ownerOf, planSessions, subscriptionsSpec } from './reconcile';
import { gnmiRunner, netconfRunner, type ProtocolRunner, type RunnerOptions, type TrustedHostKeys } from './runners';
import { HEADER_RESERVE_BYTES, TelemetrySink, type SinkOptions } from './sink';

export interface CollectorOptions {
  bus: Bus;
  topology: Topology;
  pool: Pool;
  log: Logger;
  registry: Registry;
  policy?: Partial<SessionPolicy>;
  runner?: Partial<RunnerOptions>;
  sink?: Partial<Omit<SinkOptions, 'bus' | 'topology' | 'log'>>;
  /** How often ownership and leases are checked (leases are renewed at least 3 times per TTL). */
  reconcileMs?: number;
  /** How often each session's status (with its last update) is refreshed in the sessions KV. */
  statusRefreshMs?: number;
  /** How often the whole inventory is read again, repairing any change whose event was missed. */
  resyncMs?: number;
  /** Where named credentials and trust files are read; the process environment's DEVICE_CREDENTIALS_* only, by default. */
  secrets?: SecretSources;
  /** Sessions connecting at once, at most. */
  maxConnecting?: number;
  /**
   * This replica's member name (default: host, pid and a random suffix). Must be unique among live replicas; devices are assigned by
   * hashing member names, so a fixed name gives a repeatable assignment.
   */
  memberId?: string;
}

/**
 * Sessions connecting (TLS, SSH, HTTP/2 handshakes) at once, at most: enough to connect thousands a minute, few enough that a fleet-wide
 * start does not saturate the process.
 */
export const MAX_CONNECTING = 128;

/** A counter whose value is read from `value` at scrape time. */
function counterOf(registry: Registry, name: string, help: string, value: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

/** A full reload of the inventory at least this often (events keep it current in between). */
export const RESYNC_MS = 300_000;
// Reloading after a failure (PostgreSQL down): backoff from 1 s to 30 s.
const RELOAD_BACKOFF = { baseMs: 1_000, capMs: 30_000, jitter: 0.5 };

const REJECT_LOG_EVERY_MS = 1_000;
/** Each session's status (with its last update) is written again this often, for the stale-session cleanup (300 s). */
const STATUS_REFRESH_MS = 60_000;

const ALERT_STATES = new Set<SessionState>(['backoff', 'auth_failed', 'stale']);
const EVENT_STATES: Partial<Record<SessionState, SessionEvent>> = {
  up: 'up',
  synced: 'synced',
  stale: 'stale',
  backoff: 'backoff',
  auth_failed: 'auth_failed',
};

/**
 * The collector: supervised sessions for the devices this replica owns.
 * Devices come from PostgreSQL at start and from events.device.* after;
 * ownership is rendezvous hashing over live members plus a compare-and-set
 * lease per device; telemetry goes through the sink to JetStream; status goes
 * to the sessions KV and events.session.*, with events.alert.session_down
 * when a session goes down or parks.
 */
export class Collector {
  readonly membership: Membership;
  readonly sink: TelemetrySink;
  /** Session events, alerts and drop counts, kept and retried while NATS is down. */
  readonly announcer: Announcer;
  private readonly devices = new Map<string, Device>();
  private readonly sessions = new Map<string, { session: DeviceSession; spec: string; subscriptions: string }>();
  private readonly runners: Record<'gnmi' | 'netconf', ProtocolRunner>;
  private readonly policy: SessionPolicy;
  private subscriptions: Subscription[] = [];
  private reconcileTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private fencing: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private readonly rejectLog = new Map<string, { at: number; suppressed: number }>();
  private readonly owners = new Map<string, string>();
  private readonly gate: ConnectGate;
  private ownersView = '';
  /** Live members at the last reconcile (metrics). */
  private liveMembers = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private readonly metrics;

  constructor(private readonly options: CollectorOptions) {
    this.policy = { ...SESSION_POLICY, ...(options.policy ?? {}) };
    this.gate = new ConnectGate(options.maxConnecting ?? MAX_CONNECTING);
    this.membership = new Membership(
      options.bus,
      options.topology,
      options.log.child({ component: 'membership' }),
      undefined,
      options.memberId,
    );
    const runnerOptions: RunnerOptions = {
      connectTimeoutMs: 5_000,
      keepaliveMs: 60_000,
      hostKeys: this.trustedHostKeys(),
      ...(options.runner ?? {}),
    };
    this.runners = { gnmi: gnmiRunner(runnerOptions), netconf: netconfRunner(runnerOptions) };
    const registry = options.registry;
    const sessions = () => [...this.sessions.values()].map((entry) => entry.session.currentState);
    this.metrics = {
      states: new Gauge({
        name: 'collector_sessions',
        help: 'Sessions by state',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const counts = new Map<SessionState, number>();
          for (const state of sessions()) counts.set(state, (counts.get(state) ?? 0) + 1);
          // A stopped session has left the map: 'stopped' is never counted.
          for (const state of SESSION_STATES) if (state !== 'stopped') this.set({ state }, counts.get(state) ?? 0);
        },
      }),
      // Counted by the sink per message as plain numbers and read at scrape time: no metric call on the hot path.
      received: counterOf(
        registry,
        'collector_messages_received_total',
        'Telemetry messages received from devices (handed to the sink)',
        () => this.sink.accepted,
      ),
      messages: counterOf(
        registry,
        'collector_messages_published_total',
        'Telemetry messages stored in JetStream',
        () => this.sink.published,
      ),
      updates: counterOf(
        registry,
        'collector_updates_published_total',
        'Updates inside the published messages',
        () => this.sink.publishedUpdates,
      ),
      latency: new Histogram({
        name: 'collector_publish_latency_seconds',
        help: 'From hand-over to JetStream acknowledgement',
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        registers: [registry],
      }),
      restarts: new Counter({
        name: 'collector_session_restarts_total',
        help: 'Session restarts (failures, stale, requests)',
        registers: [registry],
      }),
      dropped: new Counter({
        name: 'collector_messages_dropped_total',
        help: 'Messages dropped: a device buffer was full while NATS was down (buffer_full), or one message was larger than NATS accepts (oversized)',
        labelNames: ['reason'],
        registers: [registry],
      }),
      rejected: new Counter({
        name: 'collector_bus_messages_rejected_total',
        help: 'Messages on the subjects the collector follows that did not parse or validate (ignored)',
        labelNames: ['subject'],
        registers: [registry],
      }),
      reloads: new Counter({
        name: 'collector_inventory_reloads_total',
        help: 'Full reloads of the inventory, by outcome',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      ownershipWrites: counterOf(
        registry,
        'collector_ownership_writes_total',
        'KV writes for ownership: heartbeats and lease changes (not one per device per period)',
        () => this.membership.writes,
      ),
    };
    this.announcer = new Announcer({
      bus: options.bus,
      log: options.log.child({ component: 'announcer' }),
      droppedSubject: options.topology.subjects.alert('telemetry_dropped'),
    });
    this.sink = new TelemetrySink({
      bus: options.bus,
      topology: options.topology,
      log: options.log.child({ component: 'sink' }),
      ...(options.bus.nc.info?.max_payload ? { maxMessageBytes: options.bus.nc.info.max_payload - HEADER_RESERVE_BYTES } : {}),
      ...(options.sink ?? {}),
      onPublished: (_message, ms) => this.metrics.latency.observe(ms / 1_000),
      onDropped: (device, count, reason) => {
        this.metrics.dropped.inc({ reason }, count);
        this.announcer.countDrop(device, count);
      },
    });
    const sink = this.sink;
    const membership = this.membership;
    new Gauge({
      name: 'collector_buffer_fill',
      help: 'Messages waiting for JetStream, all devices',
      registers: [registry],
      collect() {
        this.set(sink.buffered);
      },
    });
    new Gauge({
      name: 'collector_owned_devices',
      help: 'Devices leased to this collector',
      registers: [registry],
      collect() {
        this.set(membership.owned.length);
      },
    });
    new Gauge({
      name: 'collector_heartbeat_fresh',
      help: '1 while this replica heartbeat is stored in time; 0: it holds no devices and runs no sessions until it is again',
      registers: [registry],
      collect() {
        this.set(membership.fresh ? 1 : 0);
      },
    });
    const liveMembers = () => this.liveMembers;
    new Gauge({
      name: 'collector_members',
      help: 'Live collector replicas (unexpired heartbeats) as this replica saw them at its last reconcile, itself included while fresh',
      registers: [registry],
      collect() {
        this.set(liveMembers());
      },
    });
    const gate = this.gate;
    new Gauge({
      name: 'collector_sessions_waiting_to_connect',
      help: 'Sessions waiting for a connect slot (COLLECTOR_MAX_CONNECTING)',
      registers: [registry],
      collect() {
        this.set(gate.waiting);
      },
    });
  }

  /** The inventory as this replica knows it (from the database and the events since). */
  knownDevices(): Device[] {
    return [...this.devices.values()];
  }

  /** Sessions of this replica and their status (tests, the API). */
  statuses(): SessionStatus[] {
    return [...this.sessions.values()].map((s) => s.session.status);
  }

  async start(): Promise<void> {
    const { bus, topology, log } = this.options;
    await this.membership.join();
    // PostgreSQL down at start: the inventory is loaded in the background, retried until it answers.
    await this.loadDevices().then(
      () => this.metrics.reloads.inc({ outcome: 'ok' }),
      (err: unknown) => {
        this.metrics.reloads.inc({ outcome: 'failed' });
        log.warn({ err }, 'inventory not loaded at start; retrying in the background');
        this.reload('start');
      },
    );
    // Follow the inventory without polling. Each message is handled on its own:
    // one that does not parse or validate is counted and ignored, never fatal.
    this.follow(topology.subjects.deviceEvent('upserted').replace(/upserted$/, '*'), 'events.device.*', (m) => {
      const body = deviceEventBodySchema.parse(m.json());
      if (body.event === 'upserted') this.devices.set(body.device.id, recordedDevice(body.device));
      else this.devices.delete(body.id);
      this.schedule();
    });
    this.follow(topology.subjects.sessionEvent('restart_requested'), 'events.session.restart_requested', (m) => {
      const { device } = restartRequestSchema.parse(m.json());
      this.sessions.get(device)?.session.restart('requested');
    });
    // After a reconnect events may have been missed: reload everything (retried until PostgreSQL answers).
    void (async () => {
      for await (const s of bus.nc.status()) if (s.type === 'reconnect') this.reload('reconnect');
    })().catch((err) => log.warn({ err }, 'status loop ended'));
    // The first reconcile runs like every other: a failure (NATS slow to answer ten thousand
    // lease writes at once) is logged and retried at the next tick, not fatal to the start.
    this.schedule();
    const every = this.options.reconcileMs ?? this.membership.heartbeatEveryMs;
    this.reconcileTimer = setInterval(() => this.schedule(), every);
    this.reconcileTimer.unref();
    // The fence does not wait for a reconcile (which cannot run without NATS): checked often, on its own.
    this.fenceTimer = setInterval(() => this.fence(), Math.max(Math.floor(this.membership.heartbeatTtlMs / 16), 50));
    this.fenceTimer.unref();
    this.resyncTimer = setInterval(() => this.reload('resync'), this.options.resyncMs ?? RESYNC_MS);
    this.resyncTimer.unref();
    this.statusTimer = setInterval(() => this.refreshStatuses(), this.options.statusRefreshMs ?? STATUS_REFRESH_MS);
    this.statusTimer.unref();
    log.info({ id: this.membership.id, devices: this.devices.size }, 'collector started');
  }

  /** Handles every message on `subject` with `handle`; a throw is counted and logged, and the loop goes on. */
  private follow(subject: string, label: string, handle: (m: Msg) => void): void {
    const sub = this.options.bus.nc.subscribe(subject);
    this.subscriptions.push(sub);
    void (async () => {
      for await (const m of sub) {
        try {
          handle(m);
        } catch (err) {
          this.metrics.rejected.inc({ subject: label });
          // At most one line a second per subject: a flood of bad messages must not become a flood of logs.
          const now = Date.now();
          const last = this.rejectLog.get(label) ?? { at: 0, suppressed: 0 };
          if (now - last.at < REJECT_LOG_EVERY_MS) {
            last.suppressed += 1;
          } else {
            const error = err instanceof z.ZodError ? err.issues.slice(0, 3) : String(err).slice(0, 200);
            this.options.log.warn({ subject: label, error, suppressed: last.suppressed }, 'message ignored: it does not parse or validate');
            last.at = now;
            last.suppressed = 0;
          }
          this.rejectLog.set(label, last);
        }
      }
    })();
  }

  /** Reloads the inventory in the background, retrying with backoff until it succeeds (one at a time). */
  private reload(reason: string): void {
    if (this.reloading || this.stopping) return;
    this.reloading = (async () => {
      for (let attempt = 1; !this.stopping; attempt += 1) {
        try {
          await this.loadDevices();
          this.metrics.reloads.inc({ outcome: 'ok' });
          this.schedule();
          return;
        } catch (err) {
          this.metrics.reloads.inc({ outcome: 'failed' });
          const delayMs = backoffDelayMs(RELOAD_BACKOFF, attempt);
          this.options.log.warn({ err, reason, attempt, delayMs }, 'inventory reload failed; retrying');
          await new Promise((r) => setTimeout(r, delayMs).unref());
        }
      }
    })().finally(() => {
      this.reloading = undefined;
    });
  }

  /** KV-backed trust-on-first-use host keys: a key learned once is pinned for every replica and every restart. */
  private trustedHostKeys(): TrustedHostKeys {
    const bucket = () => openBucket(this.options.bus, this.options.topology.buckets.hostKeys);
    return {
      get: async (device) => {
        const entry = await (await bucket()).get(device);
        return entry && entry.operation === 'PUT' ? entry.string() : undefined;
      },
      record: async (device, fingerprint) => {
        const b = await bucket();
        try {
          await b.create(device, fingerprint);
          this.options.log.warn({ device, fingerprint }, 'SSH host key trusted on first use and recorded');
          return true;
        } catch {
          const entry = await b.get(device);
          return entry !== null && entry.string() === fingerprint;
        }
      },
    };
  }

  private async loadDevices(): Promise<void> {
    const repo = new DeviceRepository(this.options.pool);
    const all = new Map<string, Device>();
    let after: string | undefined;
    for (;;) {
      const page = await repo.list({ limit: 500, ...(after ? { after } : {}) });
      for (const d of page.devices) all.set(d.id, d);
      if (!page.next) break;
      after = page.next;
    }
    this.devices.clear();
    for (const [id, d] of all) this.devices.set(id, d);
    this.inventoryLoaded = true;
  }

  /** Runs a reconcile soon (one at a time; a request while one runs runs another after it). */
  /**
   * Sessions of the first round after start wait a random part of the
   * spread (a whole fleet starting at once); later ones (a new device, a
   * replica's devices taken over, a handover) start at once, paced only by
   * the connect gate: a takeover is an outage for those devices.
   */
  private firstRound = true;
  private inventoryLoaded = false;

  schedule(): void {
    if (this.stopping) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = this.reconcile()
      .catch((err) => this.options.log.warn({ err }, 'reconcile failed; next tick retries'))
      .finally(() => {
        this.reconciling = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private async reconcile(): Promise<void> {
    const members = await this.membership.members();
    this.liveMembers = members.length;
    const me = this.membership.id;
    // Owners by rendezvous hashing, remembered until the members change (ten thousand hashes a round otherwise).
    const view = members.join('\n');
    if (view !== this.ownersView || this.owners.size > 2 * this.devices.size + 1_000) {
      this.owners.clear();
      this.ownersView = view;
    }
    const mine: Device[] = [];
    for (const device of this.devices.values()) {
      if (!device.enabled) continue;
      let owner = this.owners.get(device.id);
      if (owner === undefined) {
        owner = ownerOf(device.id, members) ?? '';
        this.owners.set(device.id, owner);
      }
      if (owner === me) mine.push(device);
    }
    // Not fresh (our heartbeat is late): nothing is held, every session stops until it is.
    const held = await this.membership.acquire(
      mine.map((d) => d.id),
      members,
    );
    // A fence that began while this round waited on NATS is still stopping its sessions (each waits for its
    // device's next notification): starting them again now would open a second stream on a device whose first is
    // still open. The round is given up; the next one, after the fence, starts from what is running then.
    if (this.fencing) {
      await this.fencing;
      return;
    }
    const desired = mine.filter((d) => held.has(d.id));
    const running = [...this.sessions.entries()].map(([id, s]) => ({ id, spec: s.spec, subscriptions: s.subscriptions }));
    const plan = planSessions(desired, running);
    // A member that is not fresh stops its sessions but keeps its leases: no writes while it may be cut off.
    const release = this.membership.fresh;
    // Together: a stopping session waits for its device's next notification (up to 1.25 s) so nothing crosses the cancel.
    await Promise.all(
      plan.stop.map(async (id) => {
        await this.stopSession(id, release);
        // Like a lease release: no writes while this member may be cut off.
        if (release && !this.devices.has(id)) this.forget(id);
      }),
    );
    if (this.fencing) return; // began while the stops above waited: as above
    await Promise.all(
      plan.restart.map(async (device) => {
        await this.stopSession(device.id, false);
        this.startSession(device, false);
      }),
    );
    for (const device of plan.start) this.startSession(device, this.firstRound);
    // The first round is the first one that knew the inventory and could hold leases.
    if (this.inventoryLoaded && this.membership.fresh) this.firstRound = false;
    for (const device of plan.resubscribe) {
      const running = this.sessions.get(device.id)!;
      running.subscriptions = subscriptionsSpec(device);
      running.session.resubscribe(device);
    }
    for (const device of plan.update) this.sessions.get(device.id)!.session.device = device;
  }

  private startSession(device: Device, spread: boolean): void {
    const session = new DeviceSession(device, {
      runner: this.runners[device.protocol],
      owner: this.membership.id,
      policy: this.policy,
      log: this.options.log.child({ component: 'session', device: device.id }),
      secrets: this.options.secrets ?? { env: process.env },
      gate: this.gate,
      emit: (d, emitted) =>
        this.sink.accept({
          device: d.id,
          subscription: emitted.subscription,
          source: d.protocol,
          data: emitted.data,
          updates: emitted.updates,
        }),
      report: (status, previous) => this.report(status, previous),
    });
    this.sessions.set(device.id, { session, spec: connectionSpec(device), subscriptions: subscriptionsSpec(device) });
    session.start({ spread });
  }

  /**
   * A member whose heartbeat is late (cut off from NATS, or too slow to
   * store it) stops every session at 3/4 of the TTL, before any other member
   * may take its devices at the TTL: a device is never collected twice. It
   * keeps its leases (no writes while it may be cut off) and starts again at
   * the first reconcile after its heartbeat is stored.
   */
  private fence(): void {
    if (this.membership.fresh || this.sessions.size === 0 || this.fencing || this.stopping) return;
    this.options.log.warn({ sessions: this.sessions.size }, 'heartbeat not stored in time; stopping every session until it is');
    this.fencing = Promise.all([...this.sessions.keys()].map((id) => this.stopSession(id, false)))
      .then(() => undefined)
      .catch((err) => this.options.log.error({ err }, 'fencing failed'))
      .finally(() => (this.fencing = undefined));
  }

  private async stopSession(id: string, release: boolean): Promise<void> {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    await entry.session.stop();
    this.sink.release(id);
    if (release) await this.membership.release(id);
  }

  /**
   * A device gone from the inventory leaves no session status behind (the
   * API, switchctl and dashboards would list it as stopped for ever). The
   * delete follows the stopped session's last status on the same connection,
   * so it is stored after it. A pinned host key stays: deleting a device must
   * not let the next one under that id be trusted on first use again.
   */
  private forget(device: string): void {
    const { bus, topology, log } = this.options;
    void kvDelete(bus, topology.buckets.sessions.name, device).catch((err) =>
      log.debug({ err, device }, 'forgetting a deleted device failed'),
    );
  }

  private report(status: SessionStatus, previous: SessionState | undefined): void {
    const { topology, log } = this.options;
    if (status.state === 'connecting' && previous !== undefined) this.metrics.restarts.inc();
    void kvPut(this.options.bus, topology.buckets.sessions.name, status.device, JSON.stringify(status)).catch((err) =>
      log.debug({ err }, 'sessions KV write failed'),
    );
    const event = EVENT_STATES[status.state];
    // Kept and retried while NATS is down; the msg-id names the transition, so a retry is a duplicate.
    const key = `${status.device}:${status.state}:${status.since}:${status.restarts}`;
    if (event)
      this.announcer.announce(`session:${key}`, topology.subjects.sessionEvent(event), { v: 1, ...status }, { device: status.device });
    // Down or parked, once per fall from a working state.
    if (ALERT_STATES.has(status.state) && (previous === 'up' || previous === 'synced' || previous === 'connecting')) {
      this.announcer.announce(`down:${key}`, topology.subjects.alert('session_down'), { v: 1, ...status }, { device: status.device });
    }
  }

  private refreshStatuses(): void {
    for (const { session } of this.sessions.values()) {
      void kvPut(this.options.bus, this.options.topology.buckets.sessions.name, session.device.id, JSON.stringify(session.status)).catch(
        () => undefined,
      );
    }
  }

  /** Hands every device over: sessions stop, buffered telemetry is flushed (bounded), leases are released. */
  async stop(flushMs = 5_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.reconcileTimer);
    clearInterval(this.fenceTimer);
    clearInterval(this.statusTimer);
    clearInterval(this.resyncTimer);
    await this.reconciling;
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.all([...this.sessions.keys()].map((id) => this.stopSession(id, false)));
    await this.sink.flush(flushMs);
    this.sink.close();
    await this.announcer.flush(Math.min(flushMs, 2_000));
    this.announcer.close();
    await this.membership.leave();
  }
}

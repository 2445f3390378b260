import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Logger } from '@switch-telemetry/logging';

export type BreakerStateName = 'closed' | 'open' | 'half-open';

export interface BreakerState {
  origin: string;
  state: BreakerStateName;
  /** Retryable failures in a row (reset by any answer the server gave). */
  consecutiveFailures: number;
  /** When the breaker last opened (epoch ms). */
  openedAt?: number;
}

export interface BreakerOptions {
  /** Retryable failures in a row that open the breaker (5). */
  failureThreshold: number;
  /** Open → half-open after this (30 s). */
  resetTimeoutMs: number;
  /** At most this many breakers are kept; the least recently used closed ones go first. */
  maxBreakers: number;
}

export const BREAKER_FAILURE_THRESHOLD = 5;
export const BREAKER_RESET_TIMEOUT_MS = 30_000;
export const MAX_BREAKERS = 20_000;
// opossum's rolling statistics: we do not read them (our opening rule is
// consecutive failures), so one bucket, rotated by one shared timer.
const ROLLING_WINDOW_MS = 10_000;

interface Entry {
  breaker: Breaker;
  origin: string;
  consecutiveFailures: number;
  openedAt?: number;
  lastUsed: number;
}

const ENTRY = Symbol('breaker-entry');
type Breaker = CircuitBreaker<[action: () => Promise<unknown>], unknown>;
type BreakerWithEntry = Breaker & { [ENTRY]: Entry };

function entryOf(breaker: Breaker): Entry {
  return (breaker as BreakerWithEntry)[ENTRY];
}

/** Every breaker runs the action it is fired with. */
function runAction(action: () => Promise<unknown>): Promise<unknown> {
  return action();
}

/** Called on every state change (for metrics). */
export type TransitionListener = (origin: string, to: BreakerStateName) => void;

/**
 * One opossum breaker per origin, created on first use, with this rule:
 * open after N retryable failures in a row, half-open after the reset time,
 * one trial request, closed on success. Errors the caller marks as not
 * counting (4xx answers) count as the server being up.
 *
 * opossum gives each breaker its own bucket-rotation interval and snapshot
 * interval; at thousands of origins those timers are the cost. Here every
 * breaker shares one rotation timer and snapshots are off.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly rotation = new EventEmitter();
  private readonly rotationTimer: NodeJS.Timeout;
  /**
   * One options object for every breaker: opossum keeps (and fills in) the
   * object it is given, and ours is the same for all origins, so sharing it
   * saves a dictionary-sized object per breaker.
   */
  private readonly breakerOptions: CircuitBreaker.Options;

  constructor(
    private readonly options: BreakerOptions,
    private readonly counts: (error: unknown) => boolean,
    private readonly log: Logger,
    private readonly onTransition: TransitionListener = () => undefined,
  ) {
    this.rotation.setMaxListeners(0);
    this.rotationTimer = setInterval(() => this.rotation.emit('rotate'), ROLLING_WINDOW_MS);
    this.rotationTimer.unref();
    this.breakerOptions = {
      timeout: false, // undici bounds every phase; a second timer per call would only cost
      resetTimeout: options.resetTimeoutMs,
      // Opening is ours (consecutive failures); opossum's percentage rule never fires.
      errorThresholdPercentage: 100,
      rollingCountTimeout: ROLLING_WINDOW_MS,
      rollingCountBuckets: 1,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.rotation,
      errorFilter: (error: unknown) => !counts(error),
    };
    // One statistics object for every breaker too: opossum's rolling counts
    // are not what opens our breakers (errorThresholdPercentage 100 is never
    // exceeded; a failed half-open trial reopens regardless), so they need not
    // be kept per origin. This halves what a breaker costs in memory.
    this.breakerOptions.status = CircuitBreaker.newStatus(this.breakerOptions);
  }

  /**
   * Runs `action` through the origin's breaker; rejects with opossum's
   * EOPENBREAKER error when open. A closed breaker runs the action directly
   * and counts its outcome itself (the same rule: a counted failure adds one,
   * anything else resets, the threshold opens it through opossum): opossum's
   * fire costs a promise, events and statistics per call, which was the
   * larger part of this client's overhead on a healthy origin. Open and
   * half-open breakers go through opossum, which owns those states.
   */
  fire<T>(origin: string, action: () => Promise<T>): Promise<T> {
    const entry = this.entryFor(origin);
    const breaker = entry.breaker;
    if (!breaker.closed || breaker.halfOpen) return breaker.fire(action) as Promise<T>;
    return action().then(
      (value) => {
        entry.consecutiveFailures = 0;
        return value;
      },
      (error: unknown) => {
        if (!this.counts(error)) entry.consecutiveFailures = 0;
        else if (++entry.consecutiveFailures >= this.options.failureThreshold && breaker.closed) breaker.open();
        throw error;
      },
    );
  }

  /** Milliseconds until the origin's open breaker lets a trial through (0 when not open). */
  msUntilTrial(origin: string, now = Date.now()): number {
    const entry = this.entries.get(origin);
    if (!entry?.openedAt || !entry.breaker.opened) return 0;
    return Math.max(0, entry.openedAt + this.options.resetTimeoutMs - now);
  }

  /** Every breaker's state, for /readyz and the API. */
  states(): BreakerState[] {
    return [...this.entries.values()].map((e) => ({
      origin: e.origin,
      state: stateOf(e.breaker),
      consecutiveFailures: e.consecutiveFailures,
      ...(e.openedAt === undefined ? {} : { openedAt: e.openedAt }),
    }));
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    clearInterval(this.rotationTimer);
    for (const { breaker } of this.entries.values()) breaker.shutdown();
    this.entries.clear();
  }

  private entryFor(origin: string): Entry {
    const existing = this.entries.get(origin);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing;
    }
    this.evictIfFull();
    const breaker = new CircuitBreaker(runAction, this.breakerOptions);
    const entry: Entry = { breaker, origin, consecutiveFailures: 0, lastUsed: Date.now() };
    (breaker as BreakerWithEntry)[ENTRY] = entry;
    // Shared listeners (`this` is the breaker): no closures per breaker, which
    // at ten thousand origins is most of the memory a breaker costs us.
    breaker.on('failure', this.listeners.failure);
    breaker.on('success', this.listeners.success);
    breaker.on('open', this.listeners.open);
    breaker.on('halfOpen', this.listeners.halfOpen);
    breaker.on('close', this.listeners.close);
    this.entries.set(origin, entry);
    return entry;
  }

  private readonly listeners = ((registry: BreakerRegistry) => ({
    failure(this: Breaker) {
      const entry = entryOf(this);
      entry.consecutiveFailures += 1;
      if (entry.consecutiveFailures >= registry.options.failureThreshold && this.closed) this.open();
    },
    success(this: Breaker) {
      entryOf(this).consecutiveFailures = 0;
    },
    open(this: Breaker) {
      const entry = entryOf(this);
      entry.openedAt = Date.now();
      registry.log.warn(
        { origin: entry.origin, failures: entry.consecutiveFailures, resetMs: registry.options.resetTimeoutMs },
        'circuit opened',
      );
      registry.onTransition(entry.origin, 'open');
    },
    halfOpen(this: Breaker) {
      const { origin } = entryOf(this);
      registry.log.info({ origin }, 'circuit half-open: letting one trial request through');
      registry.onTransition(origin, 'half-open');
    },
    close(this: Breaker) {
      const entry = entryOf(this);
      entry.consecutiveFailures = 0;
      registry.log.info({ origin: entry.origin }, 'circuit closed');
      registry.onTransition(entry.origin, 'closed');
    },
  }))(this);

  /** Drops the least recently used healthy breaker when the registry is full (a scan, but only then). */
  private evictIfFull(): void {
    if (this.entries.size < this.options.maxBreakers) return;
    let oldest: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.breaker.closed && entry.consecutiveFailures === 0 && (!oldest || entry.lastUsed < oldest.lastUsed)) oldest = entry;
    }
    if (!oldest) return;
    oldest.breaker.shutdown();
    this.entries.delete(oldest.origin);
  }
}

function stateOf(breaker: Breaker): BreakerStateName {
  if (breaker.opened) return 'open';
  if (breaker.halfOpen) return 'half-open';
  return 'closed';
}

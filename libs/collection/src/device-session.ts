import { PERMANENT, RETRYABLE, backoffDelayMs, classify, errorClass, withTimeout, type BackoffPolicy } from '@switch-telemetry/errors';
import type { Device, SessionState, SessionStatus, Subscription } from '@switch-telemetry/contracts';
import type { Logger } from '@switch-telemetry/logging';
import { CollectionErrorCodes } from './codes';
import type { ConnectGate } from './connect-gate';
import { resolveDeviceSecrets, secretValues, type SecretSources } from './credentials';
import { describeFailure, loggableError, type SessionFailure } from './failure';
import { SESSION_STOP, type Emitted, type ProtocolRunner } from './runners';

/** The device closed a stream that should have gone on. */
export class StreamEndedError extends errorClass(CollectionErrorCodes.STREAM_ENDED, RETRYABLE) {}

/** How long stop() waits for a session's runner to end after its abort. */
const STOP_TIMEOUT_MS = 5_000;

export { SESSION_STATES, type SessionState, type SessionStatus } from '@switch-telemetry/contracts';

export interface SessionPolicy {
  /** Restarts back off exponentially with jitter, up to the cap. */
  backoff: BackoffPolicy;
  /** A permanent failure parks the session this long before one more try. */
  parkMs: number;
  /** No data for this long while up: stale, restarted. */
  staleMs: number;
  /**
   * A first connect, and the first retry of a session that was up, wait a random 0..spreadMs more, so a fleet does not connect all at
   * once.
   */
  spreadMs: number;
  /** Up this long without a failure: the backoff starts over. */
  healthyAfterMs: number;
}

export const SESSION_POLICY: SessionPolicy = Object.freeze({
  backoff: { baseMs: 1_000, capMs: 300_000, jitter: 0.5 },
  parkMs: 900_000,
  staleMs: 300_000,
  spreadMs: 5_000,
  healthyAfterMs: 60_000,
});

export interface SessionDeps {
  runner: ProtocolRunner;
  emit: (device: Device, emitted: Emitted) => void | Promise<void>;
  report: (status: SessionStatus, previous: SessionState | undefined) => void;
  policy: SessionPolicy;
  owner: string;
  log: Logger;
  random?: () => number;
  /** Where named credentials and trust files are read from. */
  secrets: SecretSources;
  /** Bounds how many sessions connect at once (a slot is held from connecting until up). */
  gate?: ConnectGate;
}

function isAuthFailure(error: unknown): boolean {
  const e = error as { isAuthFailure?: boolean; code?: string };
  return (
    e?.isAuthFailure === true ||
    e?.code === CollectionErrorCodes.CREDENTIALS ||
    e?.code === 'NETCONF_AUTH' ||
    e?.code === 'NETCONF_HOST_KEY_MISMATCH' ||
    e?.code === 'NETCONF_HOST_KEY_UNKNOWN'
  );
}

/**
 * One device's session as a restartable unit. It connects, runs the protocol
 * runner, and when that ends or fails it backs off (exponential, jittered,
 * capped) and tries again; a permanent failure (credentials, host key,
 * unsupported path) parks it for `parkMs` with the error visible. A session
 * silent for `staleMs` is restarted. A failure here never reaches another
 * session: each runs its own loop and catches everything.
 */
export class DeviceSession {
  private state: SessionState | undefined;
  private since = new Date();
  /** When the last message came (ms since the epoch), null before the first. */
  private lastUpdate: number | null = null;
  /** When the device last showed life (a state or a message): the stale timer measures from here. */
  private lastActivity = 0;
  private lastError: SessionFailure | null = null;
  private restarts = 0;
  private failures = 0;
  private stopped = false;
  private run: AbortController | undefined;
  private wake: (() => void) | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** A run is under way (connecting or connected), not a backoff or a park. */
  private running = false;
  /** The current run's listener for subscription changes, when its runner follows them. */
  private subscriptionsListener: ((subscriptions: Subscription[]) => void) | undefined;

  constructor(
    public device: Device,
    private readonly deps: SessionDeps,
  ) {}

  /** The current state (cheap: for metrics over thousands of sessions). */
  get currentState(): SessionState {
    return this.state ?? 'connecting';
  }

  get status(): SessionStatus {
    return {
      device: this.device.id,
      state: this.state ?? 'connecting',
      since: this.since.toISOString(),
      last_update: this.lastUpdate === null ? null : new Date(this.lastUpdate).toISOString(),
      restarts: this.restarts,
      last_error: this.lastError,
      owner: this.deps.owner,
    };
  }

  start(options: { spread?: boolean } = {}): void {
    this.loop = this.supervise(options.spread ?? true).catch((err) =>
      this.deps.log.error({ err, device: this.device.id }, 'session supervisor failed'),
    );
  }

  /**
   * The device's subscriptions changed, its connection did not. A runner
   * that follows changes on a live connection (gNMI: one stream per
   * subscription) is told and changes only the subscriptions that changed;
   * otherwise the session restarts.
   */
  resubscribe(device: Device): void {
    this.device = device;
    if (this.subscriptionsListener) {
      this.deps.log.info({ device: device.id }, 'subscriptions changed; changing them on the live connection');
      this.subscriptionsListener(device.effective_subscriptions);
    } else if (this.running) this.restart('subscriptions changed');
    // Waiting out a backoff or parked: the next attempt takes the new record; no early retry (a failing login stays paced).
  }

  /** Restart now (a user's request, a stale session): the current run ends, the next starts without waiting. */
  restart(reason: string): void {
    this.deps.log.info({ device: this.device.id, reason }, 'session restart requested');
    this.failures = 0;
    this.run?.abort();
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.disarmStale();
    this.run?.abort(SESSION_STOP);
    this.wake?.();
    // Every wait has a bound: a runner that ignores its abort is logged and left behind, not waited for forever.
    await withTimeout(this.loop, STOP_TIMEOUT_MS, `stopping the session of ${this.device.id}`).catch((err) =>
      this.deps.log.warn({ err, device: this.device.id }, 'session did not stop in time; left behind'),
    );
    this.setState('stopped');
  }

  private setState(state: SessionState, extra: Partial<SessionStatus> = {}): void {
    if (state === this.state && !extra.retry_at) return;
    const previous = this.state;
    this.state = state;
    this.since = new Date();
    this.deps.report({ ...this.status, ...extra }, previous);
  }

  /**
   * Notes a sign of life. One timer per run, not one per message: when it
   * fires it measures the silence since the last sign and re-arms for the rest.
   */
  private touch(): void {
    this.lastActivity = Date.now();
    if (!this.staleTimer) this.armStale(this.deps.policy.staleMs);
  }

  private armStale(delayMs: number): void {
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      const silentMs = Date.now() - this.lastActivity;
      if (silentMs < this.deps.policy.staleMs) return this.armStale(this.deps.policy.staleMs - silentMs);
      if (this.state !== 'up' && this.state !== 'synced') return;
      this.lastError = { code: CollectionErrorCodes.STALE, message: `no data for ${this.deps.policy.staleMs} ms` };
      this.setState('stale');
      this.run?.abort();
    }, delayMs);
    this.staleTimer.unref();
  }

  private disarmStale(): void {
    clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async supervise(spread: boolean): Promise<void> {
    const random = this.deps.random ?? Math.random;
    if (spread && this.deps.policy.spreadMs > 0) await this.sleep(Math.floor(random() * this.deps.policy.spreadMs));
    while (!this.stopped) {
      this.run = new AbortController();
      const signal = this.run.signal;
      this.setState('connecting');
      let upAt: number | undefined;
      let error: unknown;
      let secrets: string[] = [];
      // A connect slot, held until the device is up or the run ends.
      const leave = (await this.deps.gate?.enter(signal)) ?? (() => undefined);
      try {
        this.running = true;
        const resolved = await resolveDeviceSecrets(this.device, this.deps.secrets);
        secrets = secretValues(resolved);
        await this.deps.runner({
          device: this.device,
          secrets: resolved,
          log: this.deps.log,
          signal,
          state: (s) => {
            leave();
            if (signal.aborted) return;
            if (s === 'up') upAt = Date.now();
            this.setState(s);
            this.touch();
          },
          emit: (emitted) => {
            this.lastUpdate = Date.now();
            this.touch();
            return this.deps.emit(this.device, emitted);
          },
          watchSubscriptions: (listener) => {
            if (!signal.aborted) this.subscriptionsListener = listener;
          },
        });
        if (!signal.aborted) error = new StreamEndedError('the device ended the stream');
      } catch (err) {
        error = err;
      } finally {
        leave();
        this.running = false;
        this.subscriptionsListener = undefined;
      }
      this.disarmStale();
      if (this.stopped) return;
      const wasStale = this.state === 'stale';
      this.restarts += 1;
      if (upAt !== undefined && Date.now() - upAt >= this.deps.policy.healthyAfterMs) this.failures = 0;
      if (signal.aborted) {
        // A restart request or a stale session (whatever the cancelled run threw):
        // go again at once, a stale one after a short, jittered pause.
        if (wasStale) await this.sleep(backoffDelayMs(this.deps.policy.backoff, 1, random));
        continue;
      }
      this.lastError = describeFailure(error, this.device);
      // The raw error goes to the log only, scrubbed of this session's secret values.
      const logged = { device: this.device.id, failure: this.lastError, error: loggableError(error, secrets) };
      if (classify(error) === PERMANENT) {
        const retryAt = new Date(Date.now() + this.deps.policy.parkMs);
        this.deps.log.warn(logged, 'session parked after a permanent failure');
        this.setState(isAuthFailure(error) ? 'auth_failed' : 'backoff', { retry_at: retryAt.toISOString() });
        await this.sleep(this.deps.policy.parkMs);
        continue;
      }
      this.failures += 1;
      // A session that was up and dropped is likely one of many (a collector, link or NATS
      // outage drops a whole fleet at once): its first retry is also spread over spreadMs,
      // so the fleet comes back as a ramp, not a thundering herd.
      const spreadOut = this.failures === 1 && upAt !== undefined ? Math.floor(random() * this.deps.policy.spreadMs) : 0;
      const delay = backoffDelayMs(this.deps.policy.backoff, this.failures, random) + spreadOut;
      this.deps.log.info({ ...logged, delayMs: delay, failures: this.failures }, 'session failed; retrying after a backoff');
      this.setState('backoff', { retry_at: new Date(Date.now() + delay).toISOString() });
      await this.sleep(delay);
    }
  }
}

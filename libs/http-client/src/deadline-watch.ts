// How often deadlines are checked; a deadline fires at most this late.
const TICK_MS = 25;

/** Something a deadline can end. */
export interface Expirable {
  expire(): void;
}

/**
 * Ends calls that pass their deadline, from one shared timer: cheaper than
 * an `AbortSignal.timeout` (a timer and a signal) per request on the hot path.
 */
export class DeadlineWatch {
  private readonly watched = new Map<Expirable, number>();
  private timer: NodeJS.Timeout | undefined;

  /** Calls `target.expire()` once `ms` have passed, unless `unwatch(target)` comes first. */
  watch(target: Expirable, ms: number): void {
    this.watched.set(target, Date.now() + ms);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  unwatch(target: Expirable): void {
    this.watched.delete(target);
  }

  private tick(): void {
    const now = Date.now();
    for (const [target, at] of this.watched) {
      if (at <= now) {
        this.watched.delete(target);
        target.expire();
      }
    }
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}

/** One attempt's deadline: before the headers it aborts the request (when it has a signal), after them it ends the body read. */
export class AttemptDeadline implements Expirable {
  expired = false;
  controller: AbortController | undefined;
  body: { destroy(error: Error): unknown } | undefined;

  expire(): void {
    this.expired = true;
    this.controller?.abort();
    this.body?.destroy(new Error('deadline passed'));
  }
}

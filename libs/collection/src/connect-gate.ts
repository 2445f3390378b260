/**
 * At most `max` sessions connecting at once. Ten thousand sessions starting
 * together (a collector start, a takeover, a fleet-wide drop) would otherwise
 * all be mid-handshake (TLS, SSH key exchange, HTTP/2) at the same moment:
 * the event loop saturates, connects time out, heartbeats arrive late, and
 * the retries make it worse. Waiting for a slot costs a session nothing: its
 * connect timeout starts once it has one.
 */
export class ConnectGate {
  private inside = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Sessions waiting for a slot (metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with `leave` once a slot is free (at once when `signal` aborts: leave then does nothing). */
  enter(signal: AbortSignal): Promise<() => void> {
    const noop = () => undefined;
    if (signal.aborted) return Promise.resolve(noop);
    if (this.inside < this.max) return Promise.resolve(this.admit());
    return new Promise((resolve) => {
      const admit = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.admit());
      };
      const onAbort = () => {
        const at = this.queue.indexOf(admit);
        if (at >= 0) this.queue.splice(at, 1);
        resolve(noop);
      };
      this.queue.push(admit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private admit(): () => void {
    this.inside += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inside -= 1;
      this.queue.shift()?.();
    };
  }
}

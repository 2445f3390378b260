import { publishJson, type Bus } from '@switch-telemetry/bus';
import type { Logger } from '@switch-telemetry/logging';

export interface AnnouncerOptions {
  bus: Pick<Bus, 'publish' | 'isConnected'>;
  log: Logger;
  /** Subject of the drop-count announcement (events.alert.telemetry_dropped). */
  droppedSubject: string;
  /** Announcements kept while NATS is down; beyond it the oldest are given up (counted in `lost`). */
  max?: number;
  /** How often what waits is tried again. */
  retryMs?: number;
}

interface Waiting {
  subject: string;
  body: unknown;
  headers: Record<string, string>;
}

const BATCH = 256;
/** Announcements kept while NATS is down or slow: a fleet of ten thousand reports a few transitions each at start. */
export const ANNOUNCER_MAX = 100_000;
const GIVE_UP_LOG_EVERY_MS = 1_000;

/**
 * Session events, alerts and drop counts on their way to JetStream. Unlike
 * a fire-and-forget publish, an announcement made while NATS is down is kept
 * (bounded) and published once it is back, with the same Nats-Msg-Id on every
 * try, so a retry after a lost acknowledgement is not a second alert. Drops
 * are summed per device and announced as one event per device and round, not
 * one per dropped message.
 */
export class Announcer {
  private readonly waiting = new Map<string, Waiting>();
  private readonly drops = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private seq = 0;
  /** Announcements given up because the buffer was full. */
  lost = 0;
  private lastGiveUpLog = 0;
  private givenUpSinceLog = 0;

  constructor(private readonly options: AnnouncerOptions) {
    this.timer = setInterval(() => this.kick(), options.retryMs ?? 1_000);
    this.timer.unref();
  }

  /** Queues one announcement (msgId: stable across retries) and tries to publish it now. */
  announce(msgId: string, subject: string, body: unknown, headers: Record<string, string> = {}): void {
    const max = this.options.max ?? ANNOUNCER_MAX;
    if (this.waiting.size >= max && !this.waiting.has(msgId)) {
      const oldest = this.waiting.keys().next().value as string;
      this.waiting.delete(oldest);
      this.lost += 1;
      this.givenUpSinceLog += 1;
      // One line a second at most, however many are given up.
      if (Date.now() - this.lastGiveUpLog >= GIVE_UP_LOG_EVERY_MS) {
        this.options.log.warn(
          { lastGivenUp: oldest, givenUp: this.givenUpSinceLog, max },
          'announcements given up: too many waiting for NATS',
        );
        this.lastGiveUpLog = Date.now();
        this.givenUpSinceLog = 0;
      }
    }
    this.waiting.set(msgId, { subject, body, headers });
    this.kick();
  }

  /** Adds dropped messages of a device to the next drop-count announcement. */
  countDrop(device: string, count: number): void {
    this.drops.set(device, (this.drops.get(device) ?? 0) + count);
  }

  /** Announcements not yet acknowledged (drop counts not yet turned into one included). */
  get pending(): number {
    return this.waiting.size + this.drops.size;
  }

  /** Publishes what waits, for at most `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < deadline) {
      this.kick();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again && this.options.bus.isConnected());
      } catch (err) {
        this.options.log.debug({ err }, 'announcements not published; will retry');
      } finally {
        this.running = undefined;
      }
    })();
  }

  private async drain(): Promise<void> {
    if (!this.options.bus.isConnected()) return;
    for (const [device, dropped] of this.drops) {
      this.drops.delete(device);
      const at = new Date().toISOString();
      this.waiting.set(`${device}:dropped:${at}:${(this.seq += 1)}`, {
        subject: this.options.droppedSubject,
        body: { v: 1, device, dropped, at },
        headers: { device },
      });
    }
    while (this.waiting.size > 0) {
      // The oldest BATCH, without copying the whole map (it may hold tens of thousands).
      const batch: Array<[string, Waiting]> = [];
      for (const entry of this.waiting) {
        batch.push(entry);
        if (batch.length === BATCH) break;
      }
      // One connection keeps the order of what is sent together.
      const results = await Promise.allSettled(
        batch.map(([msgId, w]) => publishJson(this.options.bus, w.subject, w.body, { msgId, headers: w.headers, timeoutMs: 5_000 })),
      );
      let failed = false;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') this.waiting.delete(batch[i]![0]);
        else failed = true;
      });
      if (failed) return; // the rest on the next round
    }
  }
}

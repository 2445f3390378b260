import type { Bus, Topology } from '@switch-telemetry/bus';
import type { Logger } from '@switch-telemetry/logging';

/** A telemetry message ready to publish. */
export interface Outgoing {
  device: string;
  subscription: string;
  source: 'gnmi' | 'netconf';
  /** The telemetry message, serialised. */
  data: Uint8Array;
  /** Updates in the message (metrics). */
  updates: number;
}

export interface SinkOptions {
  bus: Pick<Bus, 'send' | 'isConnected'>;
  topology: Topology;
  log: Logger;
  /** Publishes awaiting acknowledgement, all devices together. */
  maxInFlight?: number;
  /** Per device: beyond this many waiting messages the oldest are dropped (and counted). */
  bufferPerDevice?: number;
  /** Per device: a session pauses its device stream while more than this many wait (NATS connected but slow). */
  highWater?: number;
  publishTimeoutMs?: number;
  onPublished?: (message: Outgoing, latencyMs: number) => void;
  onDropped?: (device: string, count: number, reason: DropReason) => void;
  /** Larger messages can never be stored (NATS max_payload less the headers): dropped and counted, not retried. */
  maxMessageBytes?: number;
}

/**
 * A 64-bit hash of a message's bytes, as 16 hex digits: the Nats-Msg-Id
 * (with the device) that makes a re-publish of the same message a duplicate,
 * in this process or the next. Two 32-bit multiply-xor lanes (FNV-1a and a
 * murmur-style constant) with a final avalanche: a collision within a
 * device's duplicate window (a drop) is ~2^-64 per pair, not the ~2^-32 of
 * one lane. SHA-1 did this at several times the cost per message.
 */
export function contentId(data: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ data.length;
  for (let i = 0; i < data.length; i += 1) {
    const byte = data[i]!;
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Why messages were dropped: a device's buffer overflowed while NATS was down, or one message was too large to store. */
export type DropReason = 'buffer_full' | 'oversized';

/** Room left in max_payload for the headers a telemetry message carries (device, source, content type, msg-id). */
export const HEADER_RESERVE_BYTES = 1_024;

export const MAX_IN_FLIGHT = 1_024;
export const BUFFER_PER_DEVICE = 2_000;
export const HIGH_WATER = 256;
const RETRY_MS = 250;

interface Queue {
  waiting: Array<{ message: Outgoing; msgId: string }>;
  /** The device's message headers: one object, so the publisher encodes them once. */
  headers: Record<string, string>;
  /** Subjects by subscription, built (and checked) once. */
  subjects: Map<string, string>;
  inFlight: number;
  waiters: Array<() => void>;
}

/**
 * Telemetry to JetStream without loss: per-device FIFO queues, publishing
 * pipelined with a bounded number in flight, in device order; a repeated
 * publish carries the same Nats-Msg-Id (a hash of the bytes), so a retry after
 * a lost acknowledgement is a duplicate, not a second message. While NATS is
 * connected but slow, `accept` makes the session wait (the device stream
 * pauses); while NATS is down each device keeps a bounded buffer and drops
 * the oldest beyond it, every drop counted.
 */
export class TelemetrySink {
  private readonly queues = new Map<string, Queue>();
  /** Devices with messages waiting, in the order they get their next turn. */
  private readonly ready = new Set<string>();
  private inFlight = 0;
  private readonly timer: NodeJS.Timeout;
  accepted = 0;
  published = 0;
  /** Updates inside the published messages. */
  publishedUpdates = 0;
  dropped = 0;

  constructor(private readonly options: SinkOptions) {
    // Drains what waits after an outage or a failed publish.
    this.timer = setInterval(() => this.drainAll(), RETRY_MS);
    this.timer.unref();
  }

  /** Messages waiting, all devices. */
  get buffered(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.waiting.length;
    return n;
  }

  /**
   * Hands a message over. Returns nothing when the session may read on at
   * once, or a promise that resolves when it may (backpressure): no promise
   * is made per message on the way through.
   */
  accept(message: Outgoing): void | Promise<void> {
    if (this.options.maxMessageBytes !== undefined && message.data.length > this.options.maxMessageBytes) {
      // JetStream would refuse it on every retry: say so once and go on.
      this.dropped += 1;
      this.options.onDropped?.(message.device, 1, 'oversized');
      this.options.log.warn(
        { device: message.device, bytes: message.data.length, limit: this.options.maxMessageBytes },
        'telemetry message larger than NATS accepts; dropped',
      );
      return;
    }
    const queue = this.queueOf(message);
    queue.waiting.push({ message, msgId: `${message.device}:${contentId(message.data)}` });
    this.accepted += 1;
    const limit = this.options.bufferPerDevice ?? BUFFER_PER_DEVICE;
    if (queue.waiting.length > limit) {
      const over = queue.waiting.length - limit;
      queue.waiting.splice(0, over);
      this.dropped += over;
      this.options.onDropped?.(message.device, over, 'buffer_full');
    }
    this.ready.add(message.device);
    this.pump();
    const high = this.options.highWater ?? HIGH_WATER;
    if (this.options.bus.isConnected() && queue.waiting.length >= high) {
      return new Promise((resolve) => queue.waiters.push(resolve));
    }
  }

  /** Forgets a device's queue once it is empty (its session stopped). */
  release(device: string): void {
    const q = this.queues.get(device);
    if (q && q.waiting.length === 0 && q.inFlight === 0) this.queues.delete(device);
  }

  /** Waits (bounded) until everything waiting is published. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered + this.inFlight > 0 && Date.now() < deadline) {
      this.drainAll();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const q of this.queues.values()) for (const w of q.waiters.splice(0)) w();
  }

  private queueOf(message: Outgoing): Queue {
    let q = this.queues.get(message.device);
    if (!q) {
      q = {
        waiting: [],
        inFlight: 0,
        waiters: [],
        headers: { device: message.device, source: message.source, 'Content-Type': 'application/json' },
        subjects: new Map(),
      };
      this.queues.set(message.device, q);
    }
    return q;
  }

  /** Puts every device with waiting messages back in the rotation (after an outage or failed publishes). */
  private drainAll(): void {
    if (!this.options.bus.isConnected()) {
      for (const q of this.queues.values()) for (const w of q.waiters.splice(0)) w();
      return;
    }
    for (const [device, q] of this.queues) if (q.waiting.length > 0) this.ready.add(device);
    this.pump();
  }

  /**
   * Fills the free in-flight slots one message per device in turn (round
   * robin), so a paused device is served as soon as a slot frees, not starved
   * by the devices that keep sending.
   */
  private pump(): void {
    const max = this.options.maxInFlight ?? MAX_IN_FLIGHT;
    while (this.inFlight < max && this.ready.size > 0 && this.options.bus.isConnected()) {
      const device = this.ready.values().next().value as string;
      this.ready.delete(device);
      const queue = this.queues.get(device);
      if (!queue || queue.waiting.length === 0) continue;
      this.publishOne(device, queue, queue.waiting.shift()!);
      if (queue.waiting.length > 0) this.ready.add(device); // to the back of the rotation
    }
  }

  private publishOne(device: string, queue: Queue, item: { message: Outgoing; msgId: string }): void {
    const low = (this.options.highWater ?? HIGH_WATER) / 2;
    this.inFlight += 1;
    queue.inFlight += 1;
    const started = Date.now();
    const { message } = item;
    let subject = queue.subjects.get(message.subscription);
    if (subject === undefined) {
      subject = this.options.topology.subjects.telemetry(message.device, message.subscription);
      queue.subjects.set(message.subscription, subject);
    }
    this.options.bus.send(
      subject,
      message.data,
      { msgId: item.msgId, headers: queue.headers, timeoutMs: this.options.publishTimeoutMs ?? 5_000 },
      (err) => {
        this.inFlight -= 1;
        queue.inFlight -= 1;
        if (err) {
          // Back to the front, in order: the retry (on the next accept or the retry timer) has the same Nats-Msg-Id.
          // A failed device waits for the retry timer or its next message: no hot loop against a failing server.
          queue.waiting.unshift(item);
          this.options.log.debug({ err, device }, 'publish failed; will retry');
        } else {
          this.published += 1;
          this.publishedUpdates += message.updates;
          this.options.onPublished?.(message, Date.now() - started);
          this.pump();
        }
        if (queue.waiting.length < low) for (const w of queue.waiters.splice(0)) w();
      },
    );
  }
}

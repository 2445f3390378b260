import type { Bus } from '../connection';
import type { PubAck, PublishOptions } from '../publisher';

export interface SentMessage {
  subject: string;
  data: Uint8Array;
  options: PublishOptions;
}

/** A fake of our Bus's publish path, for unit tests of what publishes through it. */
export interface FakeBus {
  bus: Pick<Bus, 'publish' | 'send' | 'isConnected'>;
  /** Whether the fake is "connected"; a publish while it is not rejects at once. */
  connected: boolean;
  /** Every publish that was accepted, in order. */
  sent: SentMessage[];
  /** With `manualAcks`: publishes still waiting for `ack`. */
  pendingAcks(): number;
  /** With `manualAcks`: acknowledges (or fails) the oldest waiting publish, then lets promise callbacks run. */
  ack(ok?: boolean): Promise<void>;
}

export function fakeBus(options: { connected?: boolean; manualAcks?: boolean } = {}): FakeBus {
  const acks: Array<(ok: boolean) => void> = [];
  const fake: FakeBus = {
    connected: options.connected ?? true,
    sent: [],
    bus: {
      isConnected: () => fake.connected,
      publish: (subject, data, publishOptions = {}) => {
        if (!fake.connected) return Promise.reject(new Error('not connected'));
        fake.sent.push({ subject, data, options: publishOptions });
        const ack = { stream: 'FAKE', seq: fake.sent.length, duplicate: false } as PubAck;
        if (!options.manualAcks) return Promise.resolve(ack);
        return new Promise((resolve, reject) => acks.push((ok) => (ok ? resolve(ack) : reject(new Error('no acknowledgement')))));
      },
      send: (subject, data, publishOptions, done) => {
        fake.bus.publish(subject, data, publishOptions).then(
          (ack) => done(undefined, ack),
          (err: Error) => done(err, undefined),
        );
      },
    },
    pendingAcks: () => acks.length,
    async ack(ok = true) {
      const next = acks.shift();
      if (!next) throw new Error('no publish is waiting for an acknowledgement');
      next(ok);
      await new Promise((r) => setImmediate(r));
    },
  };
  return fake;
}

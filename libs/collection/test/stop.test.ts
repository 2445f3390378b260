// A session that stops (a handover, a rolling restart, a fence) must not lose
// what the device was writing at that moment: gNMI has no acknowledgement, and
// a cancel that crosses a notification on the wire throws it away. Against a
// real gRPC target: the stop is asked for at the very instant the device
// writes, the worst moment there is.
import { deviceInputSchema, deviceRecordSchema, recordedDevice, type Subscription } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget } from '@switch-telemetry/sim';
import { SESSION_STOP, gnmiRunner, type Emitted } from '../src/runners';

const log = createLogger({ app: 'stop-test', level: 'silent' });

async function stopWhileWriting(subscription: Subscription, stopAt: number) {
  const controller = new AbortController();
  let writing = 0;
  const target = new GnmiTarget({
    name: 'stop',
    host: '127.10.91.1',
    port: 0,
    username: 'admin',
    password: 'pw',
    interfaces: 1,
    tickMs: 50,
    // Called as the target writes a notification: the stop crosses it.
    onSent: () => {
      writing += 1;
      if (writing === stopAt) controller.abort(SESSION_STOP);
    },
  });
  await target.start();
  try {
    const device = recordedDevice(
      deviceRecordSchema.parse({
        ...deviceInputSchema.parse({
          id: 'stop-1',
          name: 'stop-1',
          protocol: 'gnmi',
          address: target.options.host,
          port: target.port,
          tls: { plaintext: true },
          subscriptions: [subscription],
        }),
        created_at: '2026-11-27T00:00:00Z',
        updated_at: '2026-11-27T00:00:00Z',
      }),
    );
    const emitted: Emitted[] = [];
    const started = Date.now();
    await gnmiRunner({ connectTimeoutMs: 5_000, keepaliveMs: 60_000 })({
      device,
      secrets: { credentials: { username: 'admin', password: 'pw' } },
      log,
      signal: controller.signal,
      state: () => undefined,
      emit: (e) => void emitted.push(e),
    });
    const stoppedAfter = Date.now() - started;
    // Anything still on its way would have arrived by now.
    await new Promise((r) => setTimeout(r, 300));
    return { emitted: emitted.length, sent: target.sent, stoppedAfter, open: target.openStreams };
  } finally {
    await target.stop();
  }
}

describe('a gNMI session stopped while the device writes', () => {
  it('keeps the notification that crossed the stop: a sample stream is cancelled after it, in the quiet before the next', async () => {
    const result = await stopWhileWriting({ name: 'interfaces', paths: ['/interfaces'], mode: 'sample', interval_ms: 200 }, 4);
    expect(result.sent).toBe(4);
    expect(result.emitted).toBe(result.sent);
    expect(result.open).toBe(0);
  });

  it('still stops within the wait when the device goes quiet', async () => {
    // The stop is asked for on the last notification before a long interval: the stream is not held open for it.
    const result = await stopWhileWriting({ name: 'interfaces', paths: ['/interfaces'], mode: 'sample', interval_ms: 60_000 }, 1);
    expect(result.emitted).toBe(result.sent);
    expect(result.stoppedAfter).toBeLessThan(5_000);
    expect(result.open).toBe(0);
  });
});

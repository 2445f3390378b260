import { fakeBus, type FakeBus } from '@switch-telemetry/bus/testing';
import { createLogger } from '@switch-telemetry/logging';
import { Announcer } from './announcer';

const log = createLogger({ app: 'announcer-test', level: 'silent' });

/** What the announcer published: subject, msg-id and body. */
const published = (f: FakeBus) =>
  f.sent.map((m) => ({
    subject: m.subject,
    msgId: m.options.msgId ?? '',
    body: JSON.parse(Buffer.from(m.data).toString()) as Record<string, unknown>,
  }));

describe('Announcer', () => {
  it('keeps what is announced while NATS is down and publishes it, in order, with its msg-id once NATS is back', async () => {
    const fake = fakeBus({ connected: false });
    const a = new Announcer({ bus: fake.bus, log, droppedSubject: 'alert.telemetry_dropped', retryMs: 20 });
    a.announce('down:leaf-1:1', 'alert.session_down', { device: 'leaf-1' });
    a.announce('session:leaf-2:1', 'session.backoff', { device: 'leaf-2' });
    await new Promise((r) => setTimeout(r, 60));
    expect(fake.sent).toEqual([]);
    expect(a.pending).toBe(2);
    fake.connected = true;
    await a.flush(1_000);
    expect(published(fake).map((s) => [s.subject, s.msgId])).toEqual([
      ['alert.session_down', 'down:leaf-1:1'],
      ['session.backoff', 'session:leaf-2:1'],
    ]);
    expect(a.pending).toBe(0);
    a.close();
  });

  it('sums drops per device into one announcement per round', async () => {
    const fake = fakeBus({ connected: false });
    const a = new Announcer({ bus: fake.bus, log, droppedSubject: 'alert.telemetry_dropped', retryMs: 20 });
    for (let i = 0; i < 500; i += 1) a.countDrop('leaf-1', 1);
    a.countDrop('leaf-2', 7);
    fake.connected = true;
    await a.flush(1_000);
    expect(published(fake).map((s) => [s.body.device, s.body.dropped])).toEqual([
      ['leaf-1', 500],
      ['leaf-2', 7],
    ]);
    a.close();
  });

  it('is bounded: beyond max the oldest are given up and counted', async () => {
    const fake = fakeBus({ connected: false });
    const a = new Announcer({ bus: fake.bus, log, droppedSubject: 'x', max: 3, retryMs: 20 });
    for (let i = 0; i < 5; i += 1) a.announce(`m${i}`, 's', { i });
    expect(a.lost).toBe(2);
    fake.connected = true;
    await a.flush(1_000);
    expect(published(fake).map((s) => s.msgId)).toEqual(['m2', 'm3', 'm4']);
    a.close();
  });
});

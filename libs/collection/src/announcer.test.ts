import type { Bus } from '@switch-telemetry/bus';
import { createLogger } from '@switch-telemetry/logging';
import { Announcer } from './announcer';

const log = createLogger({ app: 'announcer-test', level: 'silent' });

/** Our Bus interface: publishes are recorded; `up` decides whether they are acknowledged. */
function fakeBus() {
  const state = { up: false };
  const sent: Array<{ subject: string; msgId: string; body: Record<string, unknown> }> = [];
  const bus: Pick<Bus, 'publish' | 'isConnected'> = {
    isConnected: () => state.up,
    publish: async (subject, data, options) => {
      if (!state.up) throw new Error('no responders');
      sent.push({ subject, msgId: options?.msgId ?? '', body: JSON.parse(Buffer.from(data).toString()) as Record<string, unknown> });
      return { stream: 'EVENTS', seq: sent.length, duplicate: false } as never;
    },
  };
  return { bus, state, sent };
}

describe('Announcer', () => {
  it('keeps what is announced while NATS is down and publishes it, in order, with its msg-id once NATS is back', async () => {
    const { bus, state, sent } = fakeBus();
    const a = new Announcer({ bus, log, droppedSubject: 'alert.telemetry_dropped', retryMs: 20 });
    a.announce('down:leaf-1:1', 'alert.session_down', { device: 'leaf-1' });
    a.announce('session:leaf-2:1', 'session.backoff', { device: 'leaf-2' });
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([]);
    expect(a.pending).toBe(2);
    state.up = true;
    await a.flush(1_000);
    expect(sent.map((s) => [s.subject, s.msgId])).toEqual([
      ['alert.session_down', 'down:leaf-1:1'],
      ['session.backoff', 'session:leaf-2:1'],
    ]);
    expect(a.pending).toBe(0);
    a.close();
  });

  it('sums drops per device into one announcement per round', async () => {
    const { bus, state, sent } = fakeBus();
    const a = new Announcer({ bus, log, droppedSubject: 'alert.telemetry_dropped', retryMs: 20 });
    for (let i = 0; i < 500; i += 1) a.countDrop('leaf-1', 1);
    a.countDrop('leaf-2', 7);
    state.up = true;
    await a.flush(1_000);
    expect(sent.map((s) => [s.body.device, s.body.dropped])).toEqual([
      ['leaf-1', 500],
      ['leaf-2', 7],
    ]);
    a.close();
  });

  it('is bounded: beyond max the oldest are given up and counted', async () => {
    const { bus, state, sent } = fakeBus();
    const a = new Announcer({ bus, log, droppedSubject: 'x', max: 3, retryMs: 20 });
    for (let i = 0; i < 5; i += 1) a.announce(`m${i}`, 's', { i });
    expect(a.lost).toBe(2);
    state.up = true;
    await a.flush(1_000);
    expect(sent.map((s) => s.msgId)).toEqual(['m2', 'm3', 'm4']);
    a.close();
  });
});

import { WebhookReceiver } from '@switch-telemetry/notifications/testing';
import { metric, startNotifier, until, whsec, type NotifierStack } from './harness';

// Drills: a receiver that fails for a while and comes back, and PostgreSQL
// going away under the notifier. Each runs its own notifier, so breakers and
// counters start from nothing. DRILL_OUTAGE_MS lengthens the receiver's
// outage (30000 shows the production schedule; the default keeps the suite fast).

const OUTAGE_MS = Number(process.env.DRILL_OUTAGE_MS ?? 6_000);
// Retries back off past the outage (base + 2·base + 4·base + 8·base > outage), as the production schedule
// (30 s, 1 min, 2 min, 4 min) does past a 30 s outage: no job may use up its attempts while the receiver is down.
const RETRY_BASE_MS = Math.max(1_000, Math.ceil(OUTAGE_MS / 4));

describe('drill: the receiver answers 500 for a while, then recovers', () => {
  let stack: NotifierStack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    stack = await startNotifier({
      NOTIFIER_RETRY_BASE_MS: String(RETRY_BASE_MS),
      NOTIFIER_RETRY_CAP_MS: String(RETRY_BASE_MS * 8),
      NOTIFIER_BREAKER_FAILURES: '5',
      NOTIFIER_BREAKER_RESET_MS: '1000',
      NOTIFIER_TIMEOUT_MS: '2000',
    });
    receiver = await WebhookReceiver.start('127.20.2.1');
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it(
    'delivers every alert exactly once per endpoint after recovery; the breaker opened and closed; nothing dead-lettered; every attempt logged',
    async () => {
      const secrets = [whsec(), whsec()];
      const endpoints = [
        await stack.addEndpoint({ url: receiver.route('/a', 'standard', secrets[0]!), secret: secrets[0]! }),
        await stack.addEndpoint({ url: receiver.route('/b', 'standard', secrets[1]!), secret: secrets[1]! }),
      ];
      const recoverAt = Date.now() + OUTAGE_MS;
      receiver.answer = () => (Date.now() < recoverAt ? { status: 500, body: 'down for maintenance' } : 200);
      // Alerts keep coming during the outage.
      const alerts = 12;
      for (let i = 0; i < alerts; i += 1) {
        await stack.sessionDown(`leaf-${i}`);
        await new Promise((r) => setTimeout(r, OUTAGE_MS / alerts / 2));
      }
      await until('the breaker open', async () => metric(await stack.metrics(), 'notifier_breaker_transitions_total', { to: 'open' }) >= 1);
      expect(receiver.delivered.size).toBe(0);

      await until(
        'every delivery after recovery',
        () => receiver.delivered.size === alerts * endpoints.length,
        OUTAGE_MS + RETRY_BASE_MS * 12 + 20_000,
      );
      expect(receiver.duplicates).toBe(0);
      expect(receiver.badSignatures).toBe(0);
      expect(Math.min(...[...receiver.delivered.values()].map((d) => d.at))).toBeGreaterThanOrEqual(recoverAt);

      const text = await stack.metrics();
      expect(metric(text, 'notifier_breaker_transitions_total', { to: 'closed' })).toBeGreaterThanOrEqual(1);
      expect(metric(text, 'notifier_breakers_open')).toBe(0);
      expect(metric(text, 'notifier_deliveries_total', { outcome: 'snoozed' })).toBeGreaterThan(0);
      expect(await stack.rows(`SELECT id FROM dead_jobs WHERE worker = 'webhook-deliver'`)).toEqual([]);

      // Attempts counted correctly: one log row per request the receiver saw (snoozes are not attempts), numbered 1..n per
      // delivery, the last one delivered, and the delivery's count agrees.
      const rows = await stack.rows<{ id: string; attempts: number; state: string; logged: number; numbers: number[]; last: string }>(
        `SELECT d.id, d.attempts, d.state, count(a.id)::int AS logged, array_agg(a.attempt ORDER BY a.id) AS numbers,
         (array_agg(a.outcome ORDER BY a.id DESC))[1] AS last
       FROM notification_deliveries d JOIN notification_attempts a ON a.delivery_id = d.id GROUP BY d.id`,
      );
      expect(rows).toHaveLength(alerts * endpoints.length);
      expect(rows.reduce((n, r) => n + r.logged, 0)).toBe(receiver.received.length);
      for (const r of rows) {
        expect(r).toMatchObject({ state: 'delivered', last: 'delivered', attempts: r.logged });
        expect(r.numbers).toEqual(Array.from({ length: r.logged }, (_, i) => i + 1));
        expect(r.logged).toBeLessThanOrEqual(5);
        expect(receiver.received.filter((x) => x.id === r.id)).toHaveLength(r.logged);
      }
      console.log(
        `drill (${OUTAGE_MS} ms of 500s): ${receiver.received.length} requests for ${rows.length} deliveries, ` +
          `breaker opened ${metric(text, 'notifier_breaker_transitions_total', { to: 'open' })}×, ` +
          `closed ${metric(text, 'notifier_breaker_transitions_total', { to: 'closed' })}×, ` +
          `snoozes ${metric(text, 'notifier_deliveries_total', { outcome: 'snoozed' })}, ` +
          `last delivery ${Math.max(...[...receiver.delivered.values()].map((d) => d.at)) - recoverAt} ms after recovery`,
      );
    },
    OUTAGE_MS + RETRY_BASE_MS * 12 + 60_000,
  );
});

describe('drill: PostgreSQL goes away under the notifier', () => {
  let stack: NotifierStack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    stack = await startNotifier({ NOTIFIER_RETRY_BASE_MS: '500' }, { postgresOutage: true });
    receiver = await WebhookReceiver.start('127.20.2.2');
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('keeps the alerts in JetStream (not acknowledged) while it is down, and delivers each once when it is back', async () => {
    const secret = whsec();
    await stack.addEndpoint({ url: receiver.route('/pg', 'standard', secret), secret });
    stack.pg!.down();
    for (let i = 0; i < 5; i += 1) await stack.sessionDown(`leaf-pg-${i}`);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(receiver.received).toHaveLength(0);
    const info = await stack.bus.jsm.consumers.info(stack.topology.streams.events.name, 'notifier-alerts');
    expect(info.num_ack_pending + info.num_pending).toBe(5);

    stack.pg!.up();
    await until('delivered once each', () => receiver.delivered.size === 5, 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.duplicates).toBe(0);
    expect(receiver.delivered.size).toBe(5);
  }, 90_000);
});

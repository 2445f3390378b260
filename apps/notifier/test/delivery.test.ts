import { createHash } from 'node:crypto';
import { ALERT_CONSUMER } from '@switch-telemetry/notifications';
import { WebhookReceiver } from '@switch-telemetry/notifications/testing';
import { publishJson } from '@switch-telemetry/bus';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { metric, startNotifier, until, whsec, type NotifierStack } from './harness';

// The notifier end to end: alerts published on events.alert.* reach local
// receivers (which check every signature as receivers' libraries do), and
// every failure a receiver can produce ends where it should.

let stack: NotifierStack;
const receivers: WebhookReceiver[] = [];
let nextHost = 1;
/** A receiver on a loopback address of its own, so each test has its own breaker. */
async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start(`127.20.1.${nextHost++}`);
  receivers.push(r);
  return r;
}

interface AttemptRow {
  attempt: number;
  outcome: string;
  status_code: number | null;
  error_code: string | null;
  next_retry_at: Date | null;
}
const attempts = (endpoint: string) =>
  stack.rows<AttemptRow>(
    'SELECT attempt, outcome, status_code, error_code, next_retry_at FROM notification_attempts WHERE endpoint_id = $1 ORDER BY id',
    [endpoint],
  );
const deadJobs = (text: string) =>
  stack.rows<{ worker: string; outcome: string; reason: string; attempts: number }>(
    `SELECT worker, outcome, reason, attempts FROM dead_jobs WHERE reason LIKE $1 OR args::text LIKE $1`,
    [`%${text}%`],
  );

beforeAll(async () => {
  stack = await startNotifier();
});

afterAll(async () => {
  await stack?.close();
  for (const r of receivers) await r.close();
});

describe('fan-out and signing', () => {
  it('delivers each alert once to every endpoint that wants it, signed as each endpoint asks, with the same webhook-id per delivery', async () => {
    const r = await receiver();
    const secrets = { standard: whsec(), hex: 'hex-secret-for-the-test-0001', github: 'github-secret-for-the-test-1' };
    const standard = await stack.addEndpoint({ url: r.route('/std', 'standard', secrets.standard), secret: secrets.standard });
    await stack.addEndpoint({ url: r.route('/hex', 'hex', secrets.hex), secret: secrets.hex, scheme: 'hex' });
    await stack.addEndpoint({ url: r.route('/gh', 'github', secrets.github), secret: secrets.github, scheme: 'github' });
    const msgIds = [await stack.sessionDown('leaf-1'), await stack.sessionDown('leaf-2')];

    await until('six deliveries', () => r.delivered.size === 6);
    expect(r.badSignatures).toBe(0);
    expect(r.duplicates).toBe(0);
    for (const path of ['/std', '/hex', '/gh']) expect(r.deliveredTo(path)).toHaveLength(2);
    const first = r.deliveredTo('/std')[0]!;
    const body = JSON.parse(first.body) as { type: string; timestamp: string; data: { device: string } };
    expect(body).toMatchObject({ type: 'session_down', data: { v: 1, state: 'backoff' } });
    expect(new Date(body.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(first.headers['user-agent']).toMatch(/^SwitchTelemetry-Notifier\/\d+\.\d+\.\d+$/);
    expect(r.deliveredTo('/gh')[0]!.headers['x-github-event']).toBe('session_down');
    // The webhook-id is derived from the alert and the endpoint: the same alert handed out again is the same delivery.
    const expected = msgIds.map((m) => `msg_${createHash('sha256').update(`${m}\n${standard}`).digest('hex').slice(0, 32)}`);
    expect(
      r
        .deliveredTo('/std')
        .map((d) => d.id)
        .sort(),
    ).toEqual(expected.sort());
    await until('attempts logged', async () => (await attempts(standard)).length === 2);
    expect(await attempts(standard)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'delivered', status_code: 200, error_code: null }),
      expect.objectContaining({ attempt: 1, outcome: 'delivered', status_code: 200, error_code: null }),
    ]);
  });

  it('signs with both secrets while a rotated-out secret overlaps, so a receiver still on the old one verifies', async () => {
    const r = await receiver();
    const old = whsec();
    const id = await stack.addEndpoint({ url: r.route('/rot', 'standard', old), secret: old });
    const fresh = whsec();
    await stack.endpoints.update(id, { secret: fresh, keep_previous_secret_s: 3_600 });
    await stack.sessionDown('leaf-rot');
    await until('delivered', () => r.delivered.size === 1);
    expect(r.badSignatures).toBe(0);
    expect(String(r.received[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('sends an alert only to endpoints whose kinds, severity, devices and device tags match', async () => {
    const r = await receiver();
    const s = whsec();
    const add = (path: string, filter: Parameters<NotifierStack['addEndpoint']>[0] extends infer T ? Partial<T> : never) =>
      stack.addEndpoint({ url: r.route(path, 'standard', s), secret: s, ...filter });
    await add('/all', {});
    await add('/dropped-only', { events: ['telemetry_dropped'] });
    await add('/critical', { min_severity: 'critical' });
    await add('/other-device', { devices: ['spine-9'] });
    await add('/this-device', { devices: ['leaf-7'] });
    await add('/tagged', { device_tags: { site: 'ams1' } });
    await new DeviceRepository(stack.db.pool).create(
      deviceInputSchema.parse({
        id: 'leaf-7',
        name: 'Leaf 7',
        protocol: 'gnmi',
        address: '192.0.2.7',
        port: 57400,
        tags: { site: 'ams1' },
      }),
    );
    await stack.sessionDown('leaf-7');
    await until('four deliveries', () => r.delivered.size === 4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(new Set([...r.delivered.values()].map((d) => d.path))).toEqual(new Set(['/all', '/critical', '/this-device', '/tagged']));
  });
});

describe('outcomes', () => {
  it('disables an endpoint that answers 410 Gone, says why, announces it, and sends it nothing more', async () => {
    const r = await receiver();
    r.answer = 410;
    const s = whsec();
    const id = await stack.addEndpoint({ url: r.route('/gone', 'standard', s), secret: s });
    const events: string[] = [];
    const sub = stack.bus.nc.subscribe(stack.topology.subjects.endpointEvent('disabled'), {
      callback: (_e, m) => {
        events.push(new TextDecoder().decode(m.data));
      },
    });
    await stack.sessionDown('leaf-gone');
    await until('disabled', async () => (await stack.endpoints.get(id))?.enabled === false);
    expect((await stack.endpoints.get(id))?.disabled_reason).toMatch(/410 Gone/);
    await until('announced', () => events.length === 1);
    expect(JSON.parse(events[0]!)).toMatchObject({ v: 1, endpoint: id, reason: expect.stringMatching(/410/) });
    sub.unsubscribe();
    await stack.sessionDown('leaf-gone');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(r.received).toHaveLength(1);
    expect(await attempts(id)).toEqual([expect.objectContaining({ outcome: 'disabled', status_code: 410 })]);
    expect(metric(await stack.metrics(), 'notifier_endpoints_disabled_total', { reason: 'gone' })).toBe(1);
  });

  it('does not retry a 400: one attempt, then the dead letters', async () => {
    const r = await receiver();
    r.answer = { status: 400, body: 'unknown field "data"' };
    const s = whsec();
    const id = await stack.addEndpoint({ url: r.route('/bad', 'standard', s), secret: s });
    await stack.sessionDown('leaf-400');
    await until('dead-lettered', async () => (await deadJobs('refused the webhook')).length === 1);
    expect(r.received).toHaveLength(1);
    const [row] = await stack.rows<{ response_excerpt: string; outcome: string }>(
      'SELECT response_excerpt, outcome FROM notification_attempts WHERE endpoint_id = $1',
      [id],
    );
    expect(row).toEqual({ response_excerpt: 'unknown field "data"', outcome: 'failed' });
  });

  it('retries a receiver that never answers, each attempt bounded by the timeout, and dead-letters after the fifth', async () => {
    const r = await receiver();
    r.answer = 'hang';
    const s = whsec();
    const id = await stack.addEndpoint({ url: r.route('/silent', 'standard', s), secret: s });
    await stack.sessionDown('leaf-silent');
    await until('five attempts logged', async () => (await attempts(id)).length === 5, 30_000);
    const log = await attempts(id);
    expect(log.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(log.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'retrying', 'retrying', 'failed']);
    expect(log.every((a) => a.error_code === 'HTTP_TIMEOUT' && a.status_code === null)).toBe(true);
    expect(log.slice(0, 4).every((a) => a.next_retry_at !== null)).toBe(true);
    await until('dead-lettered', async () => (await deadJobs(`failed 5 of 5 attempts`)).some((d) => d.worker === 'webhook-deliver'));
    expect(r.received).toHaveLength(5);
  });

  it('honours a Retry-After on a 429', async () => {
    const r = await receiver();
    r.answer = (req) =>
      r.received.filter((x) => x.path === req.path).length === 0 ? { status: 429, headers: { 'retry-after': '2' } } : 200;
    const s = whsec();
    const id = await stack.addEndpoint({ url: r.route('/busy', 'standard', s), secret: s });
    await stack.sessionDown('leaf-busy');
    await until('delivered', () => r.delivered.size === 1, 10_000);
    const [first, second] = r.received;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_900);
    // The receiver counts the request before the notifier has logged its answer.
    await until('both attempts logged', async () => (await attempts(id)).length === 2);
    expect((await attempts(id)).map((a) => a.outcome)).toEqual(['retrying', 'delivered']);
  });
});

describe('bad input and the address guard', () => {
  it('dead-letters an alert that does not parse and goes on with the next', async () => {
    const r = await receiver();
    const s = whsec();
    await stack.addEndpoint({ url: r.route('/after-garbage', 'standard', s), secret: s });
    await stack.bus.publish(stack.topology.subjects.alert('session_down'), new TextEncoder().encode('{"v":1,"device":'));
    await publishJson(stack.bus, stack.topology.subjects.alert('telemetry_dropped'), { v: 1, device: 'leaf-x', dropped: -1, at: 'now' });
    await stack.sessionDown('leaf-after');
    await until('the good alert delivered', () => r.delivered.size === 1);
    const dead = await stack.rows<{ reason: string }>(`SELECT reason FROM dead_jobs WHERE worker = 'alert-fan-out' ORDER BY reason`);
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/session_down: the body is not JSON/),
      expect.stringMatching(/telemetry_dropped: not a telemetry_dropped alert: dropped/),
    ]);
    expect(metric(await stack.metrics(), 'notifier_alerts_total', { outcome: 'undecodable' })).toBe(2);
  });

  it('refuses to deliver to a private address the allow-list does not name, and says so in the log without the URL', async () => {
    const r = await WebhookReceiver.start('127.0.0.1');
    receivers.push(r);
    const s = whsec();
    // Stored directly: the API would refuse this URL at once.
    const id = await stack.addEndpoint({ url: `${r.route('/internal', 'standard', s)}?token=do-not-log`, secret: s });
    await stack.sessionDown('leaf-ssrf');
    await until('refused', async () => (await attempts(id)).length === 1);
    expect(await attempts(id)).toEqual([expect.objectContaining({ outcome: 'refused', error_code: 'NOTIFIER_ADDRESS_REFUSED' })]);
    expect(r.received).toHaveLength(0);
    const dead = await stack.rows<{ reason: string; errors: unknown }>(
      `SELECT reason, errors FROM dead_jobs WHERE worker = 'webhook-deliver' AND reason LIKE '%127.0.0.1%'`,
    );
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead)).not.toMatch(/do-not-log|\/internal/);
  });

  it('keeps its durable consumer of events.alert.> across restarts', async () => {
    const info = await stack.bus.jsm.consumers.info(stack.topology.streams.events.name, ALERT_CONSUMER);
    expect(info.config.filter_subject).toBe(stack.topology.subjects.alerts());
  });
});

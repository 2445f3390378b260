import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectBus, createTopology, publishJson, type Bus } from '@switch-telemetry/bus';
import { PrivateNatsServer } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { EndpointRepository, endpointInputSchema } from '@switch-telemetry/notifications';
import { WebhookReceiver } from '@switch-telemetry/notifications/testing';
import { addToOutbox } from '@switch-telemetry/outbox';
import { runService, type RunningService } from '@switch-telemetry/service';
import { NOTIFIER_SERVICE } from '../src/notifier';
import { until, whsec } from './harness';

// The notifier under the NATS user the shipped authorization gives it (k8s/nats/permissions.conf), on a
// server of its own: it provisions, consumes alerts, runs its jobs and announces a disabled endpoint, and its
// outbox relay leaves the device events it may not publish to the apps that may.
const PERMISSIONS = readFileSync(resolve(__dirname, '..', '..', '..', 'k8s', 'nats', 'permissions.conf'), 'utf8');
const PASSWORDS = { INGRESS: 'pw-i', COLLECTOR: 'pw-c', DISCOVERY: 'pw-d', NOTIFIER: 'pw-n', CONSUMER: 'pw-x' };
const log = createLogger({ app: 'notifier-permissions', level: 'silent' });

let server: PrivateNatsServer;
let db: TestDatabase;
let app: RunningService;
let collector: Bus;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // nats-server reads the passwords the file names from its environment.
  server = await PrivateNatsServer.start({
    config: PERMISSIONS,
    env: Object.fromEntries(Object.entries(PASSWORDS).map(([name, pw]) => [`${name}_NATS_PASSWORD`, pw])),
  });
  db = await createTestDatabase();
  receiver = await WebhookReceiver.start('127.20.3.1');
  const started = await runService(NOTIFIER_SERVICE, {
    env: {
      NATS_URL: server.url,
      NATS_USER: 'notifier',
      NATS_PASSWORD: PASSWORDS.NOTIFIER,
      DATABASE_URL: db.url,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      NOTIFIER_ALLOWED_HOSTS: '127.20.3.1',
      OUTBOX_POLL_MS: '100',
    },
    exit: () => undefined,
    handleSignals: false,
  });
  if (!started) throw new Error('the notifier did not start under its NATS user');
  app = started;
  collector = await connectBus({ servers: server.url, name: 'collector', user: 'collector', password: PASSWORDS.COLLECTOR, log });
}, 40_000);

afterAll(async () => {
  await app?.stop();
  await collector?.close();
  await receiver?.close();
  await server?.stop();
  await db?.drop();
});

it('delivers an alert the collector raised, announces the endpoint a 410 disabled, and leaves device events alone', async () => {
  const topology = createTopology();
  const secret = whsec();
  const endpoints = new EndpointRepository(db.pool);
  await endpoints.create(endpointInputSchema.parse({ name: 'perm', url: receiver.route('/perm', 'standard', secret), secret }));
  // A device event another app wrote to the outbox: the notifier's relay may not publish it, and must not try.
  await addToOutbox(db.pool, {
    subject: topology.subjects.deviceEvent('deleted'),
    payload: { v: 1, event: 'deleted', id: 'x' },
    msgId: 'perm-device',
  });

  const alert = {
    v: 1,
    device: 'leaf-p',
    state: 'backoff',
    since: new Date().toISOString(),
    last_update: null,
    restarts: 1,
    last_error: null,
    owner: 'c',
  };
  await publishJson(collector, topology.subjects.alert('session_down'), alert, { msgId: 'perm-alert-1' });
  await until('delivered', () => receiver.delivered.size === 1);
  expect(receiver.badSignatures).toBe(0);

  const announced: string[] = [];
  const sub = collector.nc.subscribe(topology.subjects.endpointEvent('disabled'), {
    callback: (_e, m) => {
      announced.push(m.subject);
    },
  });
  receiver.answer = 410;
  await publishJson(collector, topology.subjects.alert('session_down'), { ...alert, restarts: 2 }, { msgId: 'perm-alert-2' });
  await until('announced', () => announced.length === 1);
  sub.unsubscribe();
  const left = await db.pool.query<{ subject: string }>('SELECT subject FROM outbox');
  expect(left.rows.map((r) => r.subject)).toEqual([topology.subjects.deviceEvent('deleted')]);
});

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { withDefaultUser } from '@switch-telemetry/db';
import { postgresTestUrl } from '@switch-telemetry/db/testing';

const ROOT = resolve(__dirname, '..', '..', '..');
const APPS = ['ingress', 'collector', 'discovery', 'notifier'];

function runStart(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/dev/src/start.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The port of the ingress's ops server, from its "ops server listening" line under npm start. */
async function ingressOpsPort(stdout: () => string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = stdout()
      .split('\n')
      .find((l) => l.startsWith('[ingress  ] ') && l.includes('"ops server listening"'));
    if (line) return (JSON.parse(line.slice('[ingress  ] '.length)) as { port: number }).port;
    if (Date.now() > deadline) throw new Error(`the ingress did not open its ops port within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitReady(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    (await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error(`port ${port} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function databaseUrl(name: string): string {
  const url = new URL(postgresTestUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

describe('npm start', () => {
  it('says how to start NATS when it does not answer, and exits 69', async () => {
    const port = await freePort();
    const run = runStart({ NATS_URL: `nats://127.0.0.1:${port}`, NATS_CONNECT_TIMEOUT_MS: '500', DATABASE_URL: databaseUrl('postgres') });
    expect(await run.exited).toBe(69);
    expect(run.stderr().trim()).toBe(
      `NATS with JetStream does not answer at nats://127.0.0.1:${port}. Fix: npm run services:up starts it when NATS_URL is on this machine; otherwise start the server NATS_URL names`,
    );
  });

  it('says how to start PostgreSQL when it does not answer, and exits 69', async () => {
    const port = await freePort();
    const run = runStart({ NATS_URL: natsTestUrl(), DATABASE_URL: `postgres://127.0.0.1:${port}/st`, DB_CONNECT_TIMEOUT_MS: '500' });
    expect(await run.exited).toBe(69);
    expect(run.stderr()).toContain('PostgreSQL does not answer at postgres://127.0.0.1:');
    expect(run.stderr()).toContain('Fix: npm run services:up starts it when DATABASE_URL is on this machine');
  });

  it('creates and migrates the database, runs all four apps, carries a signed webhook through to a device, and stops them all with 0 on SIGTERM', async () => {
    const dbName = `st_start_${Date.now().toString(36)}`;
    const namespace = uniqueNamespace('start');
    const ports = await Promise.all(APPS.map(() => freePort()));
    const secret = 'e2e-webhook-secret-0123456789';
    const env: Record<string, string> = {
      NATS_URL: natsTestUrl(),
      NATS_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl(dbName),
      HTTP_HOST: '127.0.0.1',
      // The ingress's ops endpoints are on a port of their own; 0 lets the kernel pick it.
      OPS_PORT: '0',
      INGRESS_WEBHOOK_SOURCES: JSON.stringify([{ name: 'nms', scheme: 'hex', secrets: [secret] }]),
    };
    APPS.forEach((app, i) => (env[`${app.toUpperCase()}_HTTP_PORT`] = String(ports[i])));
    const run = runStart(env);
    try {
      const opsPort = await ingressOpsPort(run.stdout, 30_000);
      await Promise.all([opsPort, ...ports.slice(1)].map((port) => waitReady(port, 30_000)));
      // The public port does not serve the ops endpoints.
      expect((await fetch(`http://127.0.0.1:${ports[0]}/readyz`)).status).toBe(404);

      // End to end: a signed webhook into ingress becomes a device row, written by discovery's worker.
      const body = JSON.stringify({
        event: 'device.created',
        device: { id: 'e2e-leaf', name: 'E2E', protocol: 'gnmi', address: '127.10.9.9', port: 57400 },
      });
      const accepted = await fetch(`http://127.0.0.1:${ports[0]}/v1/webhooks/nms`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-webhook-signature': createHmac('sha256', secret).update(body).digest('hex') },
      });
      expect(accepted.status).toBe(202);
      const db = new Client({ connectionString: withDefaultUser(databaseUrl(dbName)) });
      await db.connect();
      try {
        const deadline = Date.now() + 10_000;
        while ((await db.query(`SELECT 1 FROM devices WHERE id = 'e2e-leaf'`)).rowCount === 0) {
          if (Date.now() > deadline) throw new Error('the webhook did not become a device');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await db.end();
      }

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      for (const app of APPS) {
        const prefix = `[${app.padEnd(9)}]`;
        expect(run.stdout()).toContain(`${prefix} {`);
        expect(run.stdout()).toMatch(new RegExp(`\\[${app} *\\] .*"msg":"stopped"`));
      }
      const admin = new Client({ connectionString: withDefaultUser(databaseUrl(dbName)) });
      await admin.connect();
      const tables = await admin.query(`SELECT to_regclass('devices') AS t`);
      await admin.end();
      expect(tables.rows[0].t).toBe('devices');
    } finally {
      run.child.kill('SIGKILL');
      const admin = new Client({ connectionString: withDefaultUser(postgresTestUrl()) });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
      const bus = await withTestBus('start-cleanup');
      await deleteNamespace(bus, createTopology({ namespace }));
      await bus.close();
    }
  });
});

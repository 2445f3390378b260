import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { postgresTestUrl } from '@switch-telemetry/db/testing';

const ROOT = resolve(__dirname, '..', '..', '..');
const APPS = ['ingress', 'collector', 'discovery', 'notifier'];

function databaseUrl(name: string): string {
  const url = new URL(postgresTestUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

it('runs the stack with a simulated fleet registered through the API, reports it synced, hands switchctl its context, and stops all on Ctrl-C', async () => {
  const namespace = uniqueNamespace('demo');
  const ports = await Promise.all(APPS.map(() => freePort()));
  const dataDir = mkdtempSync(join(tmpdir(), 'demo-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl(`st_demo_${Date.now().toString(36)}`),
    HTTP_HOST: '127.0.0.1',
    OPS_PORT: '0',
    SERVICES_DATA_DIR: dataDir,
  };
  APPS.forEach((app, i) => (env[`${app.toUpperCase()}_HTTP_PORT`] = String(ports[i])));
  // Addresses from 127.10.20.1 on (--first 5000): apart from the other tests' simulated devices.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/dev/src/demo.ts', '--gnmi', '2', '--netconf', '1', '--every', '1s', '--first', '5000'],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!/demo: 3\/3 devices synced, 3 sessions, \d+ messages\/s/.test(stdout)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not report 3/3 synced:\n${stdout.slice(-3_000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const config = /export SWITCHCTL_CONFIG=(\S+)/.exec(stdout)?.[1];
    expect(config).toBe(join(dataDir, 'demo', 'switchctl.yaml'));
    // The token stays in that file; the output never shows it.
    const ctl = spawnSync(process.execPath, ['tools/switchctl/bin/switchctl.js', 'devices', 'list'], {
      cwd: ROOT,
      env: { PATH: env.PATH, SWITCHCTL_CONFIG: config! },
      encoding: 'utf8',
    });
    expect(ctl.status).toBe(0);
    const devices = ctl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; address: string });
    expect(devices.map((d) => d.id).sort()).toEqual(['sim-gnmi-5001', 'sim-gnmi-5002', 'sim-netconf-5001']);
    expect(devices.every((d) => d.address.startsWith('127.10.20.'))).toBe(true);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Everything it started is gone: nothing listens on the devices' addresses any more.
    const probe = await fetch(`http://${devices[0]!.address}:57400/`).then(
      () => 'answered',
      (err: { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(probe).toBe('ECONNREFUSED');
  } finally {
    // A failed run still stops what it started: SIGINT first (the demo stops its apps), SIGKILL only if it hangs.
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      child.kill('SIGKILL');
    }
    const bus = await withTestBus('demo-test');
    await deleteNamespace(bus, createTopology({ namespace })).catch(() => undefined);
    await bus.close();
  }
}, 90_000);

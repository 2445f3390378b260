import { deviceInputSchema, deviceRecordSchema, recordedDevice, type Device } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { DeviceSession, type SessionStatus } from './device-session';
import type { ProtocolRunner } from './runners';

const device: Device = recordedDevice(
  deviceRecordSchema.parse({
    ...deviceInputSchema.parse({ id: 'leaf-1', name: 'leaf-1', protocol: 'gnmi', address: '127.10.0.1', port: 57400 }),
    created_at: '2026-11-27T00:00:00Z',
    updated_at: '2026-11-27T00:00:00Z',
  }),
);
const policy = {
  backoff: { baseMs: 1_000, capMs: 60_000, jitter: 0.5 },
  parkMs: 900_000,
  staleMs: 300_000,
  spreadMs: 5_000,
  healthyAfterMs: 60_000,
};
const log = createLogger({ app: 'session-test', level: 'silent' });

/** The delay the session announced for its first retry (retry_at − the moment it went into backoff). */
async function firstRetryDelay(runner: ProtocolRunner): Promise<number> {
  const reports: SessionStatus[] = [];
  // random() = 1: the largest jitter and the largest spread, so the bounds are exact.
  const session = new DeviceSession(device, {
    runner,
    policy,
    owner: 'c1',
    log,
    random: () => 1,
    secrets: { env: {} },
    emit: async () => undefined,
    report: (s) => reports.push(s),
  });
  session.start({ spread: false });
  const deadline = Date.now() + 2_000;
  while (!reports.some((r) => r.state === 'backoff') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await session.stop();
  const backoff = reports.find((r) => r.state === 'backoff')!;
  return Date.parse(backoff.retry_at!) - Date.parse(backoff.since);
}

describe('DeviceSession restart delays', () => {
  it('a device that never came up retries after the plain jittered backoff', async () => {
    const delay = await firstRetryDelay(async () => {
      throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    });
    expect(delay).toBeGreaterThanOrEqual(1_500 - 5);
    expect(delay).toBeLessThanOrEqual(1_500 + 5);
  });

  it('a session that was up and dropped also waits up to spreadMs more, so a fleet-wide drop comes back as a ramp', async () => {
    const delay = await firstRetryDelay(async (ctx) => {
      ctx.state('up');
      throw Object.assign(new Error('stream reset'), { code: 'ECONNRESET' });
    });
    expect(delay).toBeGreaterThanOrEqual(1_500 + 5_000 - 5);
    expect(delay).toBeLessThanOrEqual(1_500 + 5_000 + 5);
  });
});

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

// The published package must stand alone: built, copied where no workspace package can be found, it loads and typechecks.
describe('the built package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-pkg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads and typechecks with only its npm dependencies installed', () => {
    const dist = join(dir, 'dist');
    const build = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], {
      env: { ...process.env, CONSUMER_DIST_DIR: dist },
      encoding: 'utf8',
    });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules', '@switch-telemetry'), { recursive: true });
    cpSync(dist, join(app, 'node_modules', '@switch-telemetry', 'consumer'), { recursive: true });
    for (const dep of ['@nats-io', 'zod', '@types']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
    writeFileSync(
      join(app, 'check.cjs'),
      `const c = require('@switch-telemetry/consumer');
       const m = c.decodeTelemetryMessage(JSON.stringify({ v: 1, device: 'leaf-01', source: 'gnmi', subscription: 'cpu', ts: 1, prefix: '', updates: [], deletes: [] }));
       console.log([c.telemetrySubject(m.device, m.subscription), typeof c.TelemetryConsumer, c.telemetryMessageSchema.safeParse({}).success].join(' '));`,
    );
    const run = spawnSync(process.execPath, ['check.cjs'], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('telemetry.leaf-01.cpu function false');

    writeFileSync(
      join(app, 'check.ts'),
      `import { TelemetryConsumer, type TelemetryMessage } from '@switch-telemetry/consumer';
       export const devices = (m: TelemetryMessage): string => m.device + m.updates.length;
       export type Stop = TelemetryConsumer['stop'];
       // @ts-expect-error the message type is precise, not any
       export const wrong: number = ({} as TelemetryMessage).device;`,
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--types',
        'node',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        'check.ts',
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(tsc.stdout).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});

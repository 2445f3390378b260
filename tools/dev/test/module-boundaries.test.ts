import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const ESLINT_BIN = resolve(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

// ESLint runs as its own process: it loads eslint.config.mjs with a dynamic
// import, which jest's module sandbox does not allow.
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [ESLINT_BIN, '--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: ROOT,
    input: code,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

// The Nx tags of each package.json, checked by the lint target; these cases prove the rule bites.
describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph and is silently skipped without one.
    const nx = spawnSync(process.execPath, [resolve(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', 'projects'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    expect(nx.status).toBe(0);
  });

  it('stops a core lib from importing an infra lib', async () => {
    const errors = await boundaryErrors(
      'libs/config/src/probe.ts',
      "import { startOpsServer } from '@switch-telemetry/observability';\nexport const x = startOpsServer;\n",
    );
    expect(errors).toEqual(['A project tagged with "type:core" can only depend on libs tagged with "type:core"']);
  });

  it('stops a protocol lib from importing the bus or the database', async () => {
    for (const lib of ['bus', 'db']) {
      const errors = await boundaryErrors(
        'libs/gnmi/src/probe.ts',
        `import * as x from '@switch-telemetry/${lib}';\nexport const y = x;\n`,
      );
      expect(errors).toEqual(['A project tagged with "type:protocol" can only depend on libs tagged with "type:protocol", "type:core"']);
    }
  });

  it('stops a lib from importing an app', async () => {
    // Every app depends on the libs, so Nx names it a circular dependency.
    const errors = await boundaryErrors('libs/bus/src/probe.ts', "import { a } from '@switch-telemetry/collector';\nexport const x = a;\n");
    expect(errors).toEqual([
      expect.stringContaining('Circular dependency between "@switch-telemetry/bus" and "@switch-telemetry/collector"'),
    ]);
  });

  it('lets an app import the libs', async () => {
    const errors = await boundaryErrors(
      'apps/collector/src/probe.ts',
      "import { runService } from '@switch-telemetry/service';\nexport const x = runService;\n",
    );
    expect(errors).toEqual([]);
  });
});

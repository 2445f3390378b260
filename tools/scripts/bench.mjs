// `npm run bench -- <suite>`: bundles tools/bench with esbuild (as the apps
// are bundled for production, so the code measured is the code shipped:
// no TypeScript loader in the path) and runs it with --expose-gc.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { bundle } from './bundle.mjs';
import { copyMigrations } from './migrations.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const outfile = resolve(root, 'dist', 'tools', 'bench', 'main.js');
await bundle({ entry: resolve(root, 'tools', 'bench', 'src', 'main.ts'), outfile });
// The migrations travel with the bundle (the db lib looks beside it).
copyMigrations(root, resolve(root, 'dist', 'tools', 'bench', 'migrations'));
// gnmi-decode compares proto-loader with protobufjs static code made from the same proto.
spawnSync(
  resolve(root, 'node_modules', '.bin', 'pbjs'),
  [
    '-t',
    'static-module',
    '-w',
    'commonjs',
    '--keep-case',
    '-p',
    resolve(root, 'libs', 'gnmi', 'proto'),
    '-o',
    resolve(root, 'dist', 'tools', 'bench', 'gnmi-static.js'),
    resolve(root, 'libs', 'gnmi', 'proto', 'gnmi.proto'),
  ],
  { stdio: 'inherit' },
);
// Suites that run an app run its production bundle.
for (const app of ['ingress', 'collector', 'notifier', 'discovery']) {
  spawnSync(process.execPath, [resolve(root, 'tools', 'scripts', 'build-app.mjs')], { cwd: resolve(root, 'apps', app), stdio: 'inherit' });
}
const run = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);

// `npm run bench -- <suite>`: bundles tools/bench with esbuild (as the apps
// are bundled for production, so the code measured is the code shipped:
// no TypeScript loader in the path) and runs it with --expose-gc.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { copyMigrations } from './migrations.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const outfile = resolve(root, 'dist', 'tools', 'bench', 'main.js');
await build({
  entryPoints: [resolve(root, 'tools', 'bench', 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ssh2 (and its optional cpu-features) may carry native addons, which a bundle cannot hold; they load from node_modules.
  external: ['pg-native', 'ssh2', 'cpu-features'],
  logLevel: 'warning',
});
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
cpSync(resolve(root, 'libs', 'gnmi', 'proto'), resolve(root, 'dist', 'tools', 'bench', 'proto'), { recursive: true });
// Suites that run an app run its production bundle.
for (const app of ['ingress', 'collector']) {
  spawnSync(process.execPath, [resolve(root, 'tools', 'scripts', 'build-app.mjs')], { cwd: resolve(root, 'apps', app), stdio: 'inherit' });
}
const run = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);

// Bundles one app into dist/apps/<app>/main.js (run from the app's folder by
// its `build` target). One file per app keeps the container image small: no
// TypeScript, no dev dependencies, no workspace symlinks at run time.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { copyMigrations } from './migrations.mjs';

const appDir = process.cwd();
const app = basename(appDir);
const outfile = resolve(appDir, '..', '..', 'dist', 'apps', app, 'main.js');

await build({
  entryPoints: [resolve(appDir, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // pg loads pg-native only when asked to; we never ask.
  // ssh2 (and its optional cpu-features) may carry native addons, which a bundle cannot hold; they load from node_modules.
  external: ['pg-native', 'ssh2', 'cpu-features'],
  logLevel: 'warning',
});
// The migrations travel with the bundle (the db lib looks beside it).
copyMigrations(resolve(appDir, '..', '..'), resolve(outfile, '..', 'migrations'));
// So does gnmi.proto (the gnmi lib loads it beside the bundle).
cpSync(resolve(appDir, '..', '..', 'libs', 'gnmi', 'proto'), resolve(outfile, '..', 'proto'), { recursive: true });
console.log(`built ${outfile}`);

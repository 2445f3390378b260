// Bundles one app into dist/apps/<app>/main.js (run from the app's folder by
// its `build` target). One file per app keeps the container image small: no
// TypeScript, no dev dependencies, no workspace symlinks at run time.
import { basename, resolve } from 'node:path';
import { bundle } from './bundle.mjs';
import { copyMigrations } from './migrations.mjs';

const appDir = process.cwd();
const app = basename(appDir);
const outfile = resolve(appDir, '..', '..', 'dist', 'apps', app, 'main.js');

await bundle({ entry: resolve(appDir, 'src', 'main.ts'), outfile, sourcemap: true });
// The migrations travel with the bundle (the db lib looks beside it).
copyMigrations(resolve(appDir, '..', '..'), resolve(outfile, '..', 'migrations'));
console.log(`built ${outfile}`);

// Bundles switchctl into dist/switchctl.js: one file that runs on plain Node
// (no TypeScript loader, no workspace packages), so the package installs with
// `npm install -g` and runs with `npx switchctl`. ssh2 stays outside (it may
// carry a native addon) and is the package's one dependency.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';

const here = import.meta.dirname;
const outfile = resolve(here, 'dist', 'switchctl.js');
await build({
  entryPoints: [resolve(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['pg-native', 'ssh2', 'cpu-features'],
  logLevel: 'warning',
});
// The gnmi lib loads gnmi.proto beside the bundle.
cpSync(resolve(here, '..', '..', 'libs', 'gnmi', 'proto'), resolve(here, 'dist', 'proto'), { recursive: true });

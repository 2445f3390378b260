// Bundles switchctl into dist/switchctl.js: one file that runs on plain Node
// (no TypeScript loader, no workspace packages), so the package installs with
// `npm install -g` and runs with `npx switchctl`. ssh2 stays outside (it may
// carry a native addon) and is the package's one dependency.
import { resolve } from 'node:path';
import { bundle } from '../scripts/bundle.mjs';

const here = import.meta.dirname;
await bundle({ entry: resolve(here, 'src', 'main.ts'), outfile: resolve(here, 'dist', 'switchctl.js') });

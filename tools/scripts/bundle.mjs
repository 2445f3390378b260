// The one way a program of this repository becomes a single file for plain
// Node: esbuild, CommonJS for Node 20, with gnmi.proto beside the bundle (the
// gnmi lib loads it from there). Apps, the benchmarks and switchctl use it.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** Bundles `entry` into `outfile`; `sourcemap` for the apps, whose stack traces operators read. */
export async function bundle({ entry, outfile, sourcemap = false }) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap,
    // pg loads pg-native only when asked to; we never ask.
    // ssh2 (and its optional cpu-features) may carry native addons, which a bundle cannot hold; they load from node_modules.
    external: ['pg-native', 'ssh2', 'cpu-features'],
    logLevel: 'warning',
  });
  cpSync(resolve(root, 'libs', 'gnmi', 'proto'), resolve(dirname(outfile), 'proto'), { recursive: true });
}

#!/usr/bin/env node
// The switchctl command. Runs the bundle (dist/switchctl.js); in a checkout of
// the repository it first builds the bundle when the sources are newer, so
// `npx switchctl` and `npm run switchctl` always run the current code.
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const bundle = join(root, 'dist', 'switchctl.js');

/** The newest modification time under dir's TypeScript sources (0 when there are none). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.proto')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function stale() {
  if (!existsSync(bundle)) return true;
  // Only a checkout has the sources (and the libraries beside them); an installed package has the bundle alone.
  const sources = join(root, 'src');
  if (!existsSync(sources)) return false;
  const built = statSync(bundle).mtimeMs;
  if (newest(sources) > built) return true;
  const libs = resolve(root, '..', '..', 'libs');
  return existsSync(libs) && newest(libs) > built;
}

if (stale()) {
  try {
    execFileSync(process.execPath, [join(root, 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    process.stderr.write('switchctl: could not build dist/switchctl.js (run `npm ci` in the repository first)\n');
    process.exit(1);
  }
}
require(bundle);

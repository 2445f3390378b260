// `node tools/scripts/image.mjs <dir>`: assembles in <dir> exactly what the
// container image holds under /app (docker/Dockerfile copies it there):
//   apps/<app>/main.js   each app bundled into one file (esbuild), with its
//                        migrations/ and proto/ beside it
//   tools/migrate.js     the migration entry point (creates the database when
//                        missing, applies the migrations), same layout
//   node_modules/        only what the bundles leave outside: ssh2 (may carry
//                        native addons) and what it needs at run time, copied
//                        from this checkout's install (pinned by package-lock.json)
//   package.json         name and version, nothing to install
// No TypeScript, no dev dependencies, no workspace links. The image-content
// test runs every app from this directory read-only as an unprivileged user.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundle } from './bundle.mjs';
import { copyMigrations } from './migrations.mjs';

const root = resolve(import.meta.dirname, '..', '..');
export const APPS = ['ingress', 'collector', 'discovery', 'notifier'];
/** What the bundles require at run time from node_modules (see bundle.mjs's externals; pg-native is never asked for). */
const RUNTIME_PACKAGES = ['ssh2'];

/** A package and, recursively, its dependencies and the optional ones that are installed, as resolved from `from`. */
function closure(name, from, seen = new Map()) {
  const dir = packageDir(name, from);
  if (dir === undefined || seen.has(dir)) return seen;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  seen.set(dir, name);
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) closure(dep, dir, seen);
  return seen;
}

/** Where node would find `name` from `from` (node_modules up the tree), or undefined when it is not installed (an optional one). */
function packageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export async function assembleImage(out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const app of APPS) {
    const outfile = join(out, 'apps', app, 'main.js');
    await bundle({ entry: resolve(root, 'apps', app, 'src', 'main.ts'), outfile, sourcemap: true });
    copyMigrations(root, join(dirname(outfile), 'migrations'));
  }
  const migrate = join(out, 'tools', 'migrate.js');
  await bundle({ entry: resolve(root, 'tools', 'dev', 'src', 'migrate.ts'), outfile: migrate, sourcemap: true });
  copyMigrations(root, join(dirname(migrate), 'migrations'));
  const packages = new Map();
  for (const name of RUNTIME_PACKAGES) closure(name, root, packages);
  const names = [...packages.values()];
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new Error(`two versions of ${twice} are needed at run time; the image keeps one node_modules level`);
  for (const [dir, name] of packages) {
    // Each at the top level: node finds them from every bundle's folder up to /app/node_modules.
    cpSync(dir, join(out, 'node_modules', name), { recursive: true, dereference: true });
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'switch-telemetry', version, private: true }, null, 2)}\n`);
  return { apps: APPS, packages: [...packages.values()].sort() };
}

if (process.argv[1] === import.meta.filename) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node tools/scripts/image.mjs <dir>');
    process.exit(64);
  }
  const { packages } = await assembleImage(resolve(out));
  console.log(`assembled the image's /app in ${resolve(out)} (runtime packages: ${packages.join(', ')})`);
}

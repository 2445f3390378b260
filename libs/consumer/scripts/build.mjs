// Builds the publishable package into libs/consumer/dist (publish from there:
// `npm publish libs/consumer/dist`): one CommonJS bundle, its .d.ts files and
// a package.json of its own. The telemetry message schema of
// @switch-telemetry/contracts is bundled in, so the package needs only its
// npm dependencies at run time; any other internal import fails the build.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkgDir = resolve(import.meta.dirname, '..');
const root = resolve(pkgDir, '..', '..');
const out = resolve(process.env.CONSUMER_DIST_DIR ?? join(pkgDir, 'dist'));
const contractsFile = join(root, 'libs', 'contracts', 'src', 'telemetry-message.ts');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Only the telemetry message module of contracts, not its index (which reaches into other internal libs).
const internal = {
  name: 'internal-imports',
  setup(b) {
    b.onResolve({ filter: /^@switch-telemetry\// }, (args) =>
      args.path === '@switch-telemetry/contracts'
        ? { path: contractsFile }
        : { errors: [{ text: `${args.path} is internal: the published package may only bundle the telemetry message schema` }] },
    );
  },
};
await build({
  entryPoints: [join(pkgDir, 'src', 'index.ts')],
  outfile: join(out, 'index.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: Object.keys(pkg.dependencies),
  plugins: [internal],
  logLevel: 'warning',
});

// Declarations: tsc over our sources and the schema module, then the one import of contracts points at the copy.
const tmp = join(out, '.tsc');
const tsc = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    ...['--declaration', '--emitDeclarationOnly', '--outDir', tmp, '--rootDir', join(root, 'libs')],
    ...['--target', 'ES2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--strict', '--skipLibCheck', '--types', 'node'],
    join(pkgDir, 'src', 'index.ts'),
    contractsFile,
  ],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) throw new Error('tsc failed to emit the declarations');
const types = join(out, 'types');
cpSync(join(tmp, 'consumer', 'src'), types, { recursive: true });
mkdirSync(join(types, 'contracts'));
cpSync(join(tmp, 'contracts', 'src', 'telemetry-message.d.ts'), join(types, 'contracts', 'telemetry-message.d.ts'));
rmSync(tmp, { recursive: true });
const schemaDts = join(types, 'schema.d.ts');
writeFileSync(schemaDts, readFileSync(schemaDts, 'utf8').replace(`'@switch-telemetry/contracts'`, `'./contracts/telemetry-message'`));
for (const dir of [types, join(types, 'contracts')]) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.d.ts'))) {
    if (readFileSync(join(dir, file), 'utf8').includes('@switch-telemetry/')) throw new Error(`${file} still imports an internal package`);
  }
}

const published = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  engines: pkg.engines,
  main: './index.cjs',
  types: './types/index.d.ts',
  exports: { '.': { types: './types/index.d.ts', default: './index.cjs' }, './package.json': './package.json' },
  files: ['index.cjs', 'index.cjs.map', 'types', 'README.md'],
  sideEffects: false,
  dependencies: pkg.dependencies,
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
cpSync(join(pkgDir, 'README.md'), join(out, 'README.md'));
console.log(`built ${out}`);

// `npm start` and `npm test` on a fresh clone: install exactly the lockfile
// first (npm ci) when node_modules is missing or older than the lockfile.
// Plain JavaScript with no dependencies: it runs before they exist.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const lock = resolve(root, 'package-lock.json');
const marker = resolve(root, 'node_modules', '.package-lock.json');

if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('node_modules is missing or older than package-lock.json: running npm ci');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

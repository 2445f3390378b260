// Every project's migrations (libs/<lib>/migrations, apps/<app>/migrations)
// copied into one folder beside a bundle, where the db lib looks for them.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export function copyMigrations(root, dest) {
  for (const kind of ['libs', 'apps']) {
    for (const project of readdirSync(resolve(root, kind))) {
      const dir = resolve(root, kind, project, 'migrations');
      if (existsSync(dir)) cpSync(dir, dest, { recursive: true });
    }
  }
}

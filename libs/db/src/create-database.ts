import { Client } from 'pg';
import { withDefaultUser } from './connection-string';

/** The database name of a postgres URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`database name "${name.slice(0, 70)}" must be 1-63 of A-Z a-z 0-9 _ -`);
  return name;
}

/** The same server's maintenance database (`postgres`), from which CREATE DATABASE is run. */
export function maintenanceUrl(url: string): string {
  const u = new URL(withDefaultUser(url));
  u.pathname = '/postgres';
  return u.toString();
}

/** Creates the URL's database when it does not exist. Returns true when it created it. */
export async function ensureDatabase(url: string, options: { password?: string; connectTimeoutMs?: number } = {}): Promise<boolean> {
  const name = databaseName(url);
  const client = new Client({
    connectionString: maintenanceUrl(url),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount && exists.rowCount > 0) return false;
    // Identifiers cannot be bound parameters; databaseName() allowed only safe characters.
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  } catch (err) {
    // Another process created it between our check and our CREATE.
    if ((err as { code?: string }).code === '42P04') return false;
    throw err;
  } finally {
    await client.end();
  }
}

import { userInfo } from 'node:os';

/**
 * The URL with a user name filled in when it has none: PGUSER, else the OS
 * user, as psql does. pg itself reads only $USER, which containers and CI
 * often leave unset ("no PostgreSQL user name specified").
 */
export function withDefaultUser(url: string): string {
  const u = new URL(url);
  if (u.username !== '') return url;
  u.username = process.env.PGUSER ?? process.env.USER ?? userInfo().username;
  return u.toString();
}

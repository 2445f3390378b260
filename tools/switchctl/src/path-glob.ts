// Globs over telemetry paths in gNMI string form: `/interfaces/interface[name=Ethernet1/1]/state`.
// A key value may hold a slash, so segments are split outside brackets only.

/** The segments of a path (a leading slash dropped); `/` inside `[...]` does not split. */
export function pathSegments(path: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  let escaped = false;
  for (const ch of path) {
    if (escaped) {
      current += ch;
      escaped = false;
      continue;
    }
    if (ch === '\\') escaped = true;
    else if (ch === '[') depth += 1;
    else if (ch === ']' && depth > 0) depth -= 1;
    else if (ch === '/' && depth === 0) {
      if (current.length > 0) segments.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/** The full path of an update: the message's prefix joined with the update's path (absolute when there is no prefix). */
export function fullPath(prefix: string, path: string): string {
  if (prefix === '' || prefix === '/') return path.startsWith('/') ? path : `/${path}`;
  if (path === '' || path === '/') return prefix;
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export type PathMatcher = (path: string) => boolean;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A matcher for a glob: `*` is any text within one segment (including inside
 * `[...]`), `**` as a whole segment is any number of segments (zero or more);
 * everything else is literal. Throws on an empty glob.
 */
export function compileGlob(glob: string): PathMatcher {
  const parts = pathSegments(glob.trim());
  if (parts.length === 0) throw new Error('an empty glob');
  const compiled = parts.map((p) => (p === '**' ? '**' : new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`, 's')));
  return (path) => {
    const segments = pathSegments(path);
    // Matching with ** is a classic two-pointer walk with backtracking to the last **.
    let i = 0;
    let j = 0;
    let starI = -1;
    let starJ = -1;
    while (j < segments.length) {
      const pattern = compiled[i];
      if (pattern === '**') {
        starI = i;
        starJ = j;
        i += 1;
      } else if (pattern !== undefined && pattern.test(segments[j]!)) {
        i += 1;
        j += 1;
      } else if (starI >= 0) {
        i = starI + 1;
        starJ += 1;
        j = starJ;
      } else return false;
    }
    while (compiled[i] === '**') i += 1;
    return i === compiled.length;
  };
}

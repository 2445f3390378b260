import { PathSyntaxError } from './errors';
import type { Path, PathElem } from './types';

/**
 * Parses the gNMI path string form into a Path:
 *   `/interfaces/interface[name=Ethernet1/1]/state/counters`
 *   `openconfig:/interfaces`            (origin before the first `/`)
 *   `/a/b[k=x\]y][j=p\\q]/*` and `/a/...` (escapes, wildcards)
 * Inside `[...]` a backslash escapes the next character, so `\]`, `\=`,
 * `\\` and `\/` stand for themselves; `/` needs no escape there. In names,
 * `\/` and `\[` escape. An empty string or `/` is the root (no elements).
 */
export function parsePath(input: string, options: { target?: string } = {}): Path {
  let i = 0;
  let origin: string | undefined;
  const elems: PathElem[] = [];
  const fail = (problem: string, at = i): never => {
    throw new PathSyntaxError(input, at, problem);
  };

  // origin: a name ending in ':' before the first '/' (and before any '[').
  const firstSlash = input.indexOf('/');
  const colon = input.indexOf(':');
  const bracket = input.indexOf('[');
  if (colon > 0 && firstSlash === colon + 1 && (bracket === -1 || bracket > colon)) {
    origin = input.slice(0, colon);
    i = colon + 1;
  }
  if (input[i] === '/') i += 1;

  while (i < input.length) {
    let name = '';
    const nameStart = i;
    while (i < input.length && input[i] !== '/' && input[i] !== '[') {
      if (input[i] === ']') fail("unexpected ']'");
      if (input[i] === '\\') {
        if (i + 1 >= input.length) fail('a backslash at the end');
        name += input[i + 1];
        i += 2;
        continue;
      }
      name += input[i];
      i += 1;
    }
    if (name === '') fail(input[i] === '[' ? 'a key without an element name' : 'an empty element', nameStart);
    const elem: PathElem = { name };
    while (input[i] === '[') {
      const open = i;
      i += 1;
      let key = '';
      while (i < input.length && input[i] !== '=') {
        if (input[i] === ']') fail("a key without '='");
        if (input[i] === '\\') {
          if (i + 1 >= input.length) fail('a backslash at the end');
          key += input[i + 1];
          i += 2;
          continue;
        }
        key += input[i];
        i += 1;
      }
      if (i >= input.length) fail("an unterminated key (no '=')", open);
      if (key === '') fail('an empty key name', open + 1);
      i += 1; // '='
      let value = '';
      while (i < input.length && input[i] !== ']') {
        if (input[i] === '\\') {
          if (i + 1 >= input.length) fail('a backslash at the end');
          value += input[i + 1];
          i += 2;
          continue;
        }
        value += input[i];
        i += 1;
      }
      if (i >= input.length) fail("an unterminated key (no ']')", open);
      i += 1; // ']'
      elem.key = { ...(elem.key ?? {}), [key]: value };
    }
    if (i < input.length && input[i] !== '/') fail(`unexpected '${input[i]}' after a key`);
    elems.push(elem);
    if (input[i] === '/') {
      i += 1;
      if (i === input.length) fail('a trailing /', i - 1);
    }
  }
  return {
    ...(origin !== undefined ? { origin } : {}),
    elem: elems,
    ...(options.target ? { target: options.target } : {}),
  };
}

const escapeName = (s: string) => s.replace(/[\\/[\]]/g, (c) => `\\${c}`);
const escapeKey = (s: string) => s.replace(/[\\=\]]/g, (c) => `\\${c}`);
const escapeValue = (s: string) => s.replace(/[\\\]]/g, (c) => `\\${c}`);

function elemsOf(path: Path | undefined): PathElem[] {
  if (!path) return [];
  if (path.elem && path.elem.length > 0) return path.elem;
  // gNMI < 0.4 targets send `element` strings; each may carry keys.
  return (path.element ?? []).flatMap((e) => parsePath(e).elem ?? []);
}

/**
 * The string form of a Path: keys in name order (a map has none), origin as
 * `origin:`. `relative` leaves out the leading '/' (an update under a prefix).
 */
export function formatPath(path: Path | undefined, options: { relative?: boolean } = {}): string {
  const body = elemsOf(path)
    .map((e) => {
      const keys = Object.keys(e.key ?? {}).sort();
      return escapeName(e.name) + keys.map((k) => `[${escapeKey(k)}=${escapeValue(e.key![k]!)}]`).join('');
    })
    .join('/');
  const text = options.relative ? body : `/${body}`;
  return path?.origin ? `${path.origin}:${text.startsWith('/') ? text : `/${text}`}` : text;
}

/** A prefix joined with a path (the path's origin and target win where set). */
export function joinPath(prefix: Path | undefined, path: Path | undefined): Path {
  const origin = path?.origin || prefix?.origin;
  const target = path?.target || prefix?.target;
  return {
    ...(origin ? { origin } : {}),
    elem: [...elemsOf(prefix), ...elemsOf(path)],
    ...(target ? { target } : {}),
  };
}

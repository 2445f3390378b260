import { ProblemError } from './problem';

/**
 * Arrays and objects may nest this deep in a JSON body. Real payloads stay
 * under ten; far deeper ones parse, then overflow the stack of whatever
 * walks them next (JSON.stringify gives up a few thousand levels down).
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text nests arrays and objects deeper than `max`: one
 * pass over the bytes, brackets inside strings not counted. Malformed text
 * is left for JSON.parse to refuse.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i += 1) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      // Skip the string; a backslash escapes the byte after it (\" or \\).
      for (i += 1; i < n; i += 1) {
        const c = bytes[i]!;
        if (c === BACKSLASH) i += 1;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      depth += 1;
      if (depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return false;
}

/** A 400 problem for a body that nests deeper than MAX_JSON_DEPTH. */
export function tooDeep(): ProblemError {
  return new ProblemError(400, 'too-deep', 'JSON nested too deeply', `arrays and objects may nest at most ${MAX_JSON_DEPTH} levels deep`);
}

// Characters no field of ours has a use for, and that break or disguise what
// stores and shows them: C0 controls but tab, LF and CR (PostgreSQL refuses
// NUL in text), DEL, C1 controls, and the bidirectional controls that can
// make text display in another order than it is stored (U+061C, U+200E,
// U+200F, U+202A-U+202E, U+2066-U+2069).
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// ES2024, in Node since 20; the TypeScript lib here is ES2023.
type WellFormed = string & { isWellFormed(): boolean };

function describe(char: string): string {
  const code = char.charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x20) return `${hex}, a control character`;
  if (code === 0x7f) return `${hex} (DEL), a control character`;
  if (code <= 0x9f) return `${hex}, a C1 control character`;
  return `${hex}, a bidirectional control character`;
}

/** Why `s` may not be accepted, or undefined when it is fine. */
export function stringProblem(s: string): string | undefined {
  const bad = FORBIDDEN.exec(s);
  if (bad) return `contains ${describe(bad[0])}`;
  if (!(s as WellFormed).isWellFormed()) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

interface Found {
  /** Keys from the offending string up to (not including) the root. */
  reversedPath: string[];
  problem: string;
}

// The path is built only on the way back from a find, so a clean value
// (every webhook that should pass) costs one regex test per string.
function find(value: unknown): Found | undefined {
  if (typeof value === 'string') {
    if (!FORBIDDEN.test(value) && (value as WellFormed).isWellFormed()) return undefined;
    return { reversedPath: [], problem: stringProblem(value)! };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = find(value[i]);
      if (found) return (found.reversedPath.push(String(i)), found);
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.test(key) || !(key as WellFormed).isWellFormed())
      return { reversedPath: [], problem: `has a key that ${stringProblem(key)!}` };
    const found = find((value as Record<string, unknown>)[key]);
    if (found) return (found.reversedPath.push(key), found);
  }
  return undefined;
}

/**
 * Throws a 400 problem naming the field (`body.tags.site`) when any string
 * in `value`, or any object key, holds a character we refuse (see
 * FORBIDDEN) or is not well-formed UTF-16. `where` is the path's first part.
 * The walk recurses: bodies are depth-checked before they are parsed.
 */
export function assertCleanStrings(value: unknown, where: string): void {
  const found = find(value);
  if (!found) return;
  const field = [where, ...found.reversedPath.reverse()].join('.');
  throw new ProblemError(400, 'validation', 'Invalid request', `${field}: ${found.problem}`, [{ field, problem: found.problem }]);
}

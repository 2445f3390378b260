import { MAX_JSON_DEPTH, assertCleanStrings, jsonNestsDeeperThan, stringProblem } from '../src/input';
import { ProblemError } from '../src/problem';

const deeper = (text: string, max = 3) => jsonNestsDeeperThan(Buffer.from(text), max);

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings or after escapes', () => {
    expect(deeper('[[[1]]]')).toBe(false);
    expect(deeper('[[[[1]]]]')).toBe(true);
    expect(deeper('{"a":{"b":[{}]}}')).toBe(true);
    expect(deeper('[[["[[[[", "{{{{"]]]')).toBe(false);
    expect(deeper('[[["\\"[[[[", "\\\\", [[')).toBe(true);
    expect(deeper('[[["\\\\"],[],[]]]')).toBe(false);
    // Siblings do not add up.
    expect(deeper('[[[]],[[]],[[]]]')).toBe(false);
  });

  it('allows MAX_JSON_DEPTH levels and refuses one more', () => {
    const nest = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(nest(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('stringProblem', () => {
  it.each([
    ['plain ASCII', 'leaf-01 ok ~'],
    ['tab, LF, CR', 'a\tb\nc\r'],
    ['Latin-1 letters and NBSP', 'Zürich\u00a0ß'],
    ['other scripts and emoji', 'Δ 東京 😀 \u0645'],
    ['a zero-width joiner (not a bidi control)', 'a\u200db'],
  ])('accepts %s', (_what, s) => expect(stringProblem(s)).toBeUndefined());

  it.each([
    ['\u0000', 'U+0000'],
    ['\u0008', 'U+0008'],
    ['\u000b', 'U+000B'],
    ['\u001f', 'U+001F'],
    ['\u007f', 'U+007F'],
    ['\u0080', 'U+0080'],
    ['\u009f', 'U+009F'],
    ['\u061c', 'U+061C'],
    ['\u200e', 'U+200E'],
    ['\u200f', 'U+200F'],
    ['\u202a', 'U+202A'],
    ['\u202e', 'U+202E'],
    ['\u2066', 'U+2066'],
    ['\u2069', 'U+2069'],
    ['\ud83d', 'surrogate'],
    ['\ude00x', 'surrogate'],
  ])('refuses %j, naming %s', (char, named) => expect(stringProblem(`ok${char}ok`)).toContain(named));
});

describe('assertCleanStrings', () => {
  const fieldOf = (value: unknown) => {
    try {
      assertCleanStrings(value, 'body');
    } catch (err) {
      if (err instanceof ProblemError) return err.errors?.[0]?.field;
      throw err;
    }
    return undefined;
  };

  it('names the path of the first bad string or key', () => {
    expect(fieldOf({ a: 1, b: [true, null, { c: 'fine' }] })).toBeUndefined();
    expect(fieldOf({ tags: { site: 'a\u0000' } })).toBe('body.tags.site');
    expect(fieldOf({ list: ['ok', ['ok', 'b\u202e']] })).toBe('body.list.1.1');
    expect(fieldOf({ tags: { ['k\u0001']: 'v' } })).toBe('body.tags');
    expect(fieldOf('\u0007')).toBe('body');
  });
});

import { CAPTURED_MESSAGES, EDGE_CASE_MESSAGES } from './xml-corpus';

/** A seeded generator of integers in [0, n): a failure can be replayed from its seed. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => (state = (state * 1_103_515_245 + 12_345) & 0x7fffffff) % n;
}

// Characters that change what XML means, and a few that do not.
const MARKUP = '<>&;/="\'!?[]-#: \n\tx1';

/** `xml` after one to three random edits: a character replaced, deleted or inserted, a cut, a tag copied elsewhere, a control character. */
export function corrupt(xml: string, rand: (n: number) => number): string {
  let s = xml;
  for (let edits = 1 + rand(3); edits > 0; edits -= 1) {
    const at = rand(s.length + 1);
    switch (rand(6)) {
      case 0:
        s = s.slice(0, at) + MARKUP[rand(MARKUP.length)] + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 2:
        s = s.slice(0, at) + MARKUP[rand(MARKUP.length)] + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4: {
        const lt = s.indexOf('<', at);
        const gt = lt === -1 ? -1 : s.indexOf('>', lt);
        if (gt !== -1) {
          const to = rand(s.length + 1);
          s = s.slice(0, to) + s.slice(lt, gt + 1) + s.slice(to);
        }
        break;
      }
      default:
        s = s.slice(0, at) + String.fromCharCode(rand(0x80)) + s.slice(at + 1);
    }
  }
  return s;
}

/** `count` corrupted copies of the corpus messages (captured and edge cases, in turn), from `seed`. */
export function corruptedMessages(seed: number, count: number): string[] {
  const rand = seededRandom(seed);
  const corpus = [...Object.values(CAPTURED_MESSAGES), ...Object.values(EDGE_CASE_MESSAGES)];
  return Array.from({ length: count }, (_, k) => corrupt(corpus[k % corpus.length]!, rand));
}

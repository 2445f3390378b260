import { randomBytes } from 'node:crypto';
import { Deframer, FramingError, MessageTooLargeError, frame } from './index';

const msg = (n: number) => `<rpc-reply message-id="${n}" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>`;

describe('end-of-message framing (base:1.0)', () => {
  it('splits messages at ]]>]]> however the bytes arrive', () => {
    const bytes = Buffer.concat([frame(msg(1), 'eom'), frame(msg(2), 'eom')]);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const d = new Deframer('eom');
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))].map(String);
      expect(out).toEqual([msg(1), msg(2)]);
    }
  });

  it('refuses a message that never ends once it passes the limit', () => {
    const d = new Deframer('eom', 1_000);
    expect(() => d.push(Buffer.alloc(2_000, 0x41))).toThrow(MessageTooLargeError);
  });
});

describe('chunked framing (base:1.1)', () => {
  it('joins chunks into a message and reads several messages in a row', () => {
    const d = new Deframer('chunked');
    const wire = Buffer.from(`\n#4\n<rpc\n#17\n message-id="1"/>\n##\n${frame(msg(2), 'chunked').toString()}`);
    expect(d.push(wire).map(String)).toEqual(['<rpc message-id="1"/>', msg(2)]);
  });

  it.each([
    ['a size with a leading zero', '\n#04\nabcd\n##\n'],
    ['a size of zero', '\n#0\n\n##\n'],
    ['letters in the size', '\n#1a\nx\n##\n'],
    ['no hash', '\n4\nabcd\n##\n'],
    ['no leading LF', '#4\nabcd\n##\n'],
    ['a size over 4294967295', '\n#4294967296\nx'],
    ['an empty size', '\n#\nx'],
    ['end-of-chunks with no chunk', '\n##\n'],
    ['garbage after ##', '\n#1\nx\n##x'],
  ])('rejects %s with a FramingError', (_what, wire) => {
    expect(() => new Deframer('chunked').push(Buffer.from(wire))).toThrow(FramingError);
  });

  it('refuses a message whose chunks add up past the limit, before buffering them', () => {
    const d = new Deframer('chunked', 1_000);
    expect(() => d.push(Buffer.from('\n#900\n' + 'x'.repeat(900) + '\n#900\n'))).toThrow(MessageTooLargeError);
    expect(d.buffered).toBeLessThanOrEqual(1_000);
  });

  it('switches from end-of-message to chunked after the hello, mid-buffer', () => {
    const d = new Deframer('eom');
    // The hello and the first chunked message arrive in one read.
    d.write(Buffer.concat([frame('<hello/>', 'eom'), frame(msg(1), 'chunked')]));
    expect(String(d.next())).toBe('<hello/>');
    d.setFraming('chunked'); // both sides said base:1.1
    expect(String(d.next())).toBe(msg(1));
    expect(d.next()).toBeUndefined();
  });
});

describe('chunked framing fuzz', () => {
  // A seeded generator: a failure can be replayed.
  let seed = 20_261_127;
  const rand = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % n;

  function wireOf(messages: string[]): Buffer {
    const parts: Buffer[] = [];
    for (const m of messages) {
      const body = Buffer.from(m);
      let at = 0;
      while (at < body.length) {
        const size = 1 + rand(Math.min(64, body.length - at));
        parts.push(Buffer.from(`\n#${size}\n`), body.subarray(at, at + size));
        at += size;
      }
      parts.push(Buffer.from('\n##\n'));
    }
    return Buffer.concat(parts);
  }

  it('delivers every message intact at random chunk sizes and random read boundaries', () => {
    for (let round = 0; round < 300; round += 1) {
      const messages = Array.from({ length: 1 + rand(5) }, (_, k) => msg(round * 10 + k) + randomBytes(rand(100)).toString('hex'));
      const wire = wireOf(messages);
      const d = new Deframer('chunked');
      const out: string[] = [];
      for (let at = 0; at < wire.length;) {
        const take = 1 + rand(40);
        out.push(...d.push(wire.subarray(at, at + take)).map(String));
        at += take;
      }
      expect(out).toEqual(messages);
      expect(d.buffered).toBe(0);
    }
  });

  it('turns random corruption into a typed error or well-formed messages, never unbounded memory', () => {
    let errors = 0;
    let intact = 0;
    for (let round = 0; round < 2_000; round += 1) {
      const messages = Array.from({ length: 1 + rand(3) }, (_, k) => msg(k) + 'y'.repeat(rand(200)));
      const wire = Buffer.from(wireOf(messages));
      for (let flips = 1 + rand(3); flips > 0; flips -= 1) wire[rand(wire.length)] = rand(256);
      const d = new Deframer('chunked', 4_096);
      try {
        for (let at = 0; at < wire.length;) {
          const take = 1 + rand(50);
          d.push(wire.subarray(at, at + take));
          at += take;
          expect(d.buffered).toBeLessThanOrEqual(4_096);
        }
        intact += 1;
      } catch (err) {
        expect(err instanceof FramingError || err instanceof MessageTooLargeError).toBe(true);
        errors += 1;
      }
    }
    expect(errors + intact).toBe(2_000);
    expect(errors).toBeGreaterThan(100);
  });
});

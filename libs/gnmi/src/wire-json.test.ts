import { ValueDecodeError } from './errors';
import { normalizeNotification } from './normalize';
import { gnmiService } from './proto';
import type { Notification, Path, SubscribeResponse, TypedValue } from './types';
import { messageHead, subscribeResponseToJson } from './wire-json';

const HEAD = messageHead('leaf-1', 'if');

// The fast path must write exactly what the object path writes:
// proto-loader decode → normalizeNotification → JSON.stringify.
const method = (
  gnmiService().definition['gnmi.gNMI'] as Record<
    string,
    { responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): SubscribeResponse }
  >
).Subscribe!;
const encode = (r: unknown) => method.responseSerialize(r);
const viaObjects = (bytes: Buffer) => {
  const r = method.responseDeserialize(bytes);
  return JSON.stringify(normalizeNotification(r.update!, 'leaf-1', 'if'));
};

// A small deterministic generator (mulberry32), so a failure can be replayed.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const NASTY = [
  '',
  'a',
  'Ethernet1/1',
  'x]y',
  'a=b',
  'back\\slash',
  '[',
  'quote"s',
  'tab\tnl\n',
  'ünïcödé',
  '😀',
  'a/b/c',
  '\u0000',
  '\u2028',
];

function gen(seed: number): Notification {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const int64 = () =>
    pick([
      '0',
      '1',
      '-1',
      '9007199254740991',
      '9007199254740992',
      '-9007199254740992',
      '9223372036854775807',
      '-9223372036854775808',
      '4294967296',
      String(Math.floor(r() * 1e12)),
    ]);
  const uint64 = () =>
    pick([
      '0',
      '1',
      '4294967295',
      '4294967296',
      '9007199254740991',
      '9007199254740993',
      '18446744073709551615',
      String(Math.floor(r() * 1e12)),
    ]);
  const path = (): Path => {
    const p: Path = {};
    if (r() < 0.2) p.origin = pick(['openconfig', 'cli', 'x:y']);
    if (r() < 0.1) p.target = 'dev';
    if (r() < 0.05) p.element = ['interfaces', 'interface[name=Ethernet1]'];
    else if (r() < 0.9) {
      p.elem = Array.from({ length: Math.floor(r() * 4) }, () => ({
        name: pick(NASTY.filter((s) => s !== '')),
        ...(r() < 0.4
          ? {
              key: Object.fromEntries(
                Array.from({ length: 1 + Math.floor(r() * 3) }, () => [pick(NASTY.filter((s) => s !== '')), pick(NASTY)]),
              ),
            }
          : {}),
      }));
    }
    return p;
  };
  const json = () =>
    Buffer.from(
      pick([
        '1',
        '-0',
        '0',
        '007',
        '"12345"',
        '" spaced "',
        '"esc\\"aped"',
        '"ünï"',
        'true',
        'null',
        ' 42 ',
        '{"b":1, "a":[1,2.50,"x"]}',
        '1e3',
        '123456789012345678',
        '[]',
        '"\\u00e9"',
      ]),
    );
  const typed = (depth = 0): TypedValue => {
    const kind = pick([
      'string_val',
      'int_val',
      'uint_val',
      'bool_val',
      'bytes_val',
      'float_val',
      'double_val',
      'decimal_val',
      'leaflist_val',
      'any_val',
      'json_val',
      'json_ietf_val',
      'ascii_val',
      'proto_bytes',
      'none',
    ] as const);
    switch (kind) {
      case 'string_val':
      case 'ascii_val':
        return { [kind]: pick(NASTY) };
      case 'int_val':
        return { int_val: int64() };
      case 'uint_val':
        return { uint_val: uint64() };
      case 'bool_val':
        return { bool_val: r() < 0.5 };
      case 'bytes_val':
      case 'proto_bytes':
        return { [kind]: Buffer.from(pick(NASTY)) };
      case 'float_val':
        return { float_val: pick([0, 1.5, -2.25, 3.4e38, Number.NaN, Number.POSITIVE_INFINITY, r()]) };
      case 'double_val':
        return { double_val: pick([0, -0, 1e-300, 1.7976931348623157e308, Number.NaN, r() * 1e6]) };
      case 'decimal_val':
        return { decimal_val: { digits: int64(), precision: pick([0, 1, 2, 5, 18, 19]) } };
      case 'leaflist_val':
        return { leaflist_val: { element: depth > 0 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => typed(depth + 1)) } };
      case 'any_val':
        return { any_val: { type_url: 'type.googleapis.com/x.Y', value: Buffer.from(pick(NASTY)) } };
      case 'json_val':
      case 'json_ietf_val':
        return { [kind]: json() };
      default:
        return {};
    }
  };
  return {
    timestamp: int64(),
    ...(r() < 0.85 ? { prefix: path() } : {}),
    update: Array.from({ length: Math.floor(r() * 6) }, () => ({
      ...(r() < 0.95 ? { path: path() } : {}),
      ...(r() < 0.95 ? { val: typed() } : {}),
    })),
    ...(r() < 0.3 ? { delete: Array.from({ length: 1 + Math.floor(r() * 3) }, () => path()) } : {}),
    ...(r() < 0.1 ? { atomic: true, alias: 'x' } : {}),
  };
}

describe('SubscribeResponse bytes straight to the telemetry message', () => {
  it('writes exactly what the object path writes, for 5,000 generated notifications', () => {
    let compared = 0;
    for (let seed = 1; seed <= 5_000; seed += 1) {
      const bytes = encode({ update: gen(seed) });
      let expected: string;
      try {
        expected = viaObjects(bytes);
      } catch (err) {
        // The object path refuses it (a bad JSON value, a bad old-style path): so must the fast path.
        expect(() => subscribeResponseToJson(bytes, HEAD)).toThrow((err as Error).constructor as new () => Error);
        continue;
      }
      const got = subscribeResponseToJson(bytes, HEAD);
      const json = got.kind === 'update' ? got.data.toString('utf8') : got.kind;
      if (json !== expected) throw new Error(`seed ${seed}:\n  fast    ${json}\n  objects ${expected}`);
      expect(got.kind === 'update' && got.updates).toBe(JSON.parse(expected).updates.length);
      compared += 1;
    }
    // Most are compared; the rest are refused by both.
    expect(compared).toBeGreaterThan(2_500);
  });

  it('reports a sync response and ignores what it does not use', () => {
    expect(subscribeResponseToJson(encode({ sync_response: true }), HEAD)).toEqual({ kind: 'sync' });
    expect(subscribeResponseToJson(encode({ error: { code: 3, message: 'x' } }), HEAD)).toEqual({ kind: 'other' });
    expect(subscribeResponseToJson(Buffer.alloc(0), HEAD)).toEqual({ kind: 'other' });
  });

  it('refuses malformed bytes with a typed error and never reads past the message', () => {
    const good = encode({ update: gen(7) });
    const r = rng(99);
    let refused = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const bad = Buffer.from(good);
      for (let k = 0; k < 3; k += 1) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
      const cut = r() < 0.5 ? bad.subarray(0, Math.floor(r() * bad.length)) : bad;
      try {
        subscribeResponseToJson(cut, HEAD);
      } catch (err) {
        expect(err).toBeInstanceOf(ValueDecodeError);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});

import { ValueDecodeError } from './errors';
import { formatPath } from './path';
import { decimal } from './values';

/**
 * SubscribeResponse protobuf bytes straight to the telemetry message JSON,
 * with no object tree in between: what `normalizeNotification` and
 * `JSON.stringify` produce from proto-loader's decode, byte for byte (a test
 * holds the two together), at a fraction of the cost. This is the collector's
 * hot path: one call per message a device sends.
 *
 * Wire format: protobuf encoding (varint keys `field << 3 | type`; types 0
 * varint, 1 fixed64, 2 length-delimited, 5 fixed32). Unknown fields are
 * skipped, as proto3 requires.
 */

// Buffer's per-encoding methods, which toString/write call after normalising
// their arguments: long-standing in Node (protobufjs reads strings with them),
// not in @types/node. Called directly they save that fixed cost per small string.
declare global {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
    base64Slice(start: number, end: number): string;
    utf8Write(text: string, offset: number): number;
  }
}

/** What one SubscribeResponse holds, for the collector: an update as its message's JSON bytes. */
export type WireResponse = { kind: 'update'; data: Buffer; updates: number } | { kind: 'sync' } | { kind: 'other' };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

// Protobuf allows 64-bit varints of at most 10 bytes.
const MAX_VARINT_BYTES = 10;
const TWO_32 = 4_294_967_296;
// Formatted paths are cached by their bytes: a device sends
// the same few hundred paths over and over. Bounded; emptied when full.
const CACHE_MAX = 50_000;
const OUT_INITIAL_BYTES = 16_384;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The device sent bytes that are not a valid SubscribeResponse. */
function malformed(what: string): ValueDecodeError {
  return new ValueDecodeError(`malformed SubscribeResponse: ${what}`);
}

// One decode at a time (JavaScript runs one at a time), so the cursor and the
// output buffer are module state, not an allocation per message.
let buf: Buffer = Buffer.alloc(0);
let pos = 0;
let lo = 0;
let hi = 0;
let out = Buffer.allocUnsafe(OUT_INITIAL_BYTES);
let len = 0;

function reserve(n: number): void {
  if (len + n <= out.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, len + n));
  out.copy(bigger, 0, 0, len);
  out = bigger;
}

// The pieces of a message are small (a few to a few dozen bytes): byte loops
// here beat a call into Buffer's native writers, whose fixed cost dominates.

/** Appends text, as UTF-8. */
function text8(text: string): void {
  const n = text.length;
  reserve(n);
  for (let i = 0; i < n; i += 1) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) {
      // Not ASCII: the native encoder does the rest.
      reserve((n - i) * 3);
      len += out.utf8Write(text.slice(i), len);
      return;
    }
    out[len++] = code;
  }
}

/** Appends ASCII text (punctuation, digits, base64). */
const ascii = text8;

function copy(from: Uint8Array, start: number, stop: number): void {
  reserve(stop - start);
  for (let i = start; i < stop; i += 1) out[len++] = from[i]!;
}

/** A varint of up to 32 bits (keys, lengths, bool, uint32); higher bits of a longer varint are dropped, as protobuf does. */
function uint32(end: number): number {
  let value = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i += 1) {
    if (pos >= end) throw malformed('a varint runs past its message');
    const byte = buf[pos++]!;
    if (i < 5) value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return (value % TWO_32) >>> 0;
  }
  throw malformed('a varint longer than 10 bytes');
}

/** A 64-bit varint into `lo` and `hi`. */
function varint64(end: number): void {
  lo = 0;
  hi = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i += 1) {
    if (pos >= end) throw malformed('a varint runs past its message');
    const byte = buf[pos++]!;
    const bits = byte & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if (byte < 0x80) {
      lo >>>= 0;
      hi >>>= 0;
      return;
    }
  }
  throw malformed('a varint longer than 10 bytes');
}

/** The end of a length-delimited field that starts here. */
function delimited(end: number): number {
  const length = uint32(end);
  const stop = pos + length;
  if (stop > end) throw malformed('a field runs past its message');
  return stop;
}

function skip(wire: number, end: number): void {
  switch (wire) {
    case WIRE_VARINT:
      varint64(end);
      return;
    case WIRE_FIXED64:
      pos += 8;
      break;
    case WIRE_BYTES:
      pos = delimited(end);
      return;
    case WIRE_FIXED32:
      pos += 4;
      break;
    default:
      throw malformed(`wire type ${wire}`);
  }
  if (pos > end) throw malformed('a field runs past its message');
}

function string(end: number): string {
  const stop = delimited(end);
  const text = buf.utf8Slice(pos, stop);
  pos = stop;
  return text;
}

/** The current lo/hi as the JSON the normaliser writes: a number when exact, else a quoted decimal string. */
function int64Json(signed: boolean): string {
  if (hi === 0) return String(lo);
  if (!signed || hi < 0x80000000) {
    // Up to 2^53 - 1 a double holds it exactly.
    if (hi <= 0x1fffff) return String(hi * TWO_32 + lo);
    return `"${((BigInt(hi) << 32n) | BigInt(lo)).toString()}"`;
  }
  // Negative: two's complement.
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  if (nhi <= 0x1fffff) return String(-(nhi * TWO_32 + nlo));
  return `"${BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString()}"`;
}

const escapeName = (s: string) => (/[\\/[\]]/.test(s) ? s.replace(/[\\/[\]]/g, (c) => `\\${c}`) : s);
const escapeKey = (s: string) => (/[\\=\]]/.test(s) ? s.replace(/[\\=\]]/g, (c) => `\\${c}`) : s);
const escapeValue = (s: string) => (/[\\\]]/.test(s) ? s.replace(/[\\\]]/g, (c) => `\\${c}`) : s);

/** One PathElem (`name[k=v]...`, keys in name order; the last of a repeated key wins, as in a map). */
function pathElem(end: number): string {
  let name = '';
  let keys: Array<[string, string]> | undefined;
  while (pos < end) {
    const key = uint32(end);
    const field = key >>> 3;
    if (field === 1 && (key & 7) === WIRE_BYTES) name = string(end);
    else if (field === 2 && (key & 7) === WIRE_BYTES) {
      const stop = delimited(end);
      let k = '';
      let v = '';
      while (pos < stop) {
        const entryKey = uint32(stop);
        if (entryKey === ((1 << 3) | WIRE_BYTES)) k = string(stop);
        else if (entryKey === ((2 << 3) | WIRE_BYTES)) v = string(stop);
        else skip(entryKey & 7, stop);
      }
      keys ??= [];
      const at = keys.findIndex((e) => e[0] === k);
      if (at >= 0) keys[at] = [k, v];
      else keys.push([k, v]);
    } else skip(key & 7, end);
  }
  let text = escapeName(name);
  if (keys) {
    if (keys.length > 1) keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, v] of keys) text += `[${escapeKey(k)}=${escapeValue(v)}]`;
  }
  return text;
}

/** Old-style `element` strings (each may carry keys), formatted as formatPath does. */
function legacyElements(elements: string[]): string {
  return formatPath({ element: elements }, { relative: true });
}

/**
 * A Path as formatPath writes it, JSON-quoted; `present` tells whether it has
 * elements or an origin (a prefix that "is there"). Old targets (gNMI < 0.4)
 * send `element` strings instead of `elem`.
 */
function pathJsonUncached(end: number, relative: boolean): { json: string; present: boolean } {
  let body = '';
  let count = 0;
  let elements: string[] | undefined;
  let origin = '';
  while (pos < end) {
    const key = uint32(end);
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 3 && wire === WIRE_BYTES) {
      const stop = delimited(end);
      const elem = pathElem(stop);
      body = count++ === 0 ? elem : `${body}/${elem}`;
    } else if (field === 2 && wire === WIRE_BYTES) origin = string(end);
    else if (field === 1 && wire === WIRE_BYTES) (elements ??= []).push(string(end));
    else skip(wire, end);
  }
  if (count === 0 && elements && elements.length > 0) body = legacyElements(elements);
  const present = count > 0 || (elements?.length ?? 0) > 0 || origin !== '';
  const text = relative ? body : `/${body}`;
  return { json: JSON.stringify(origin ? `${origin}:${text.startsWith('/') ? text : `/${text}`}` : text), present };
}

interface CachedPath {
  /** The path's bytes as received, and whether it was read as relative. */
  key: Uint8Array;
  relative: boolean;
  /** The JSON string, as UTF-8 bytes. */
  json: Uint8Array;
  present: boolean;
}
const paths = new Map<number, CachedPath[]>();
let cachedPaths = 0;

/** pathJsonUncached, remembered by the path's bytes (hashed in place: no string is made to look it up). */
function pathJson(end: number, relative: boolean): CachedPath {
  // FNV-1a over the bytes, and the relative flag.
  let h = relative ? 0x811c9dc5 : 0x050c5d1f;
  for (let i = pos; i < end; i += 1) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const bucket = paths.get(h);
  if (bucket) {
    search: for (const entry of bucket) {
      if (entry.relative !== relative || entry.key.length !== end - pos) continue;
      for (let i = 0; i < entry.key.length; i += 1) if (entry.key[i] !== buf[pos + i]) continue search;
      pos = end;
      return entry;
    }
  }
  const key = Uint8Array.prototype.slice.call(buf, pos, end);
  const found = pathJsonUncached(end, relative);
  const entry: CachedPath = { key, relative, json: Buffer.from(found.json), present: found.present };
  if (cachedPaths >= CACHE_MAX) {
    paths.clear();
    cachedPaths = 0;
  }
  if (bucket) bucket.push(entry);
  else paths.set(h, [entry]);
  cachedPaths += 1;
  pos = end;
  return entry;
}

// RFC 8259 values whose JSON.parse → JSON.stringify round trip is the identity:
// an integer of at most 15 digits, a string of printable ASCII without escapes, true, false, null.
function isCanonicalJson(start: number, stop: number): boolean {
  const n = stop - start;
  if (n === 0) return false;
  const first = buf[start]!;
  if (first === 0x22 /* " */) {
    if (n < 2 || buf[stop - 1] !== 0x22) return false;
    for (let i = start + 1; i < stop - 1; i += 1) {
      const b = buf[i]!;
      if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) return false;
    }
    return true;
  }
  if (first === 0x2d /* - */ || (first >= 0x30 && first <= 0x39)) {
    let i = first === 0x2d ? start + 1 : start;
    const digits = stop - i;
    if (digits < 1 || digits > 15) return false;
    if (buf[i] === 0x30 && (digits > 1 || first === 0x2d)) return false; // a leading zero, or -0
    for (; i < stop; i += 1) if (buf[i]! < 0x30 || buf[i]! > 0x39) return false;
    return true;
  }
  const word = buf.latin1Slice(start, stop);
  return word === 'true' || word === 'false' || word === 'null';
}

/** JSON bytes from the device, written as JSON.stringify(JSON.parse(...)) would (refused when not UTF-8 JSON). */
function jsonValue(start: number, stop: number, field: string): void {
  if (isCanonicalJson(start, stop)) return copy(buf, start, stop);
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(utf8.decode(buf.subarray(start, stop))));
  } catch (cause) {
    throw new ValueDecodeError(`${field} is not UTF-8 JSON`, { cause, details: { field, bytes: stop - start } });
  }
  text8(text);
}

const number = (n: number) => JSON.stringify(n); // NaN and ±Infinity → null, as in the object path

/** A TypedValue, written as decodeTypedValue and JSON.stringify would write it. */
function typedValue(end: number): void {
  // The last member of the oneof wins; what it writes is kept as a range of `out`.
  const mark = len;
  let wrote = false;
  const begin = () => {
    len = mark;
    wrote = true;
  };
  while (pos < end) {
    const key = uint32(end);
    const field = key >>> 3;
    const wire = key & 7;
    switch (field) {
      case 1: // string_val
      case 12: // ascii_val
        if (wire !== WIRE_BYTES) break;
        begin();
        text8(JSON.stringify(string(end)));
        continue;
      case 2: // int_val
      case 3: // uint_val
        if (wire !== WIRE_VARINT) break;
        varint64(end);
        begin();
        ascii(int64Json(field === 2));
        continue;
      case 4: // bool_val
        if (wire !== WIRE_VARINT) break;
        begin();
        ascii(uint32(end) !== 0 ? 'true' : 'false');
        continue;
      case 5: // bytes_val
      case 13: {
        // proto_bytes
        if (wire !== WIRE_BYTES) break;
        const stop = delimited(end);
        begin();
        ascii(`"${buf.base64Slice(pos, stop)}"`);
        pos = stop;
        continue;
      }
      case 6: // float_val
        if (wire !== WIRE_FIXED32 || pos + 4 > end) break;
        begin();
        ascii(number(buf.readFloatLE(pos)));
        pos += 4;
        continue;
      case 14: // double_val
        if (wire !== WIRE_FIXED64 || pos + 8 > end) break;
        begin();
        ascii(number(buf.readDoubleLE(pos)));
        pos += 8;
        continue;
      case 7: {
        // decimal_val: Decimal64 { int64 digits = 1; uint32 precision = 2; }
        if (wire !== WIRE_BYTES) break;
        const stop = delimited(end);
        let digits = '0';
        let precision = 0;
        while (pos < stop) {
          const k = uint32(stop);
          if (k === ((1 << 3) | WIRE_VARINT)) {
            varint64(stop);
            digits = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
          } else if (k === ((2 << 3) | WIRE_VARINT)) precision = uint32(stop);
          else skip(k & 7, stop);
        }
        begin();
        ascii(JSON.stringify(decimal(digits, precision)));
        continue;
      }
      case 8: {
        // leaflist_val: ScalarArray { repeated TypedValue element = 1; }
        if (wire !== WIRE_BYTES) break;
        const stop = delimited(end);
        begin();
        ascii('[');
        let first = true;
        while (pos < stop) {
          const k = uint32(stop);
          if (k === ((1 << 3) | WIRE_BYTES)) {
            const itemEnd = delimited(stop);
            if (!first) ascii(',');
            first = false;
            typedValue(itemEnd);
            pos = itemEnd;
          } else skip(k & 7, stop);
        }
        ascii(']');
        continue;
      }
      case 9: {
        // any_val: google.protobuf.Any { string type_url = 1; bytes value = 2; }
        if (wire !== WIRE_BYTES) break;
        const stop = delimited(end);
        let typeUrl = '';
        let value = '';
        while (pos < stop) {
          const k = uint32(stop);
          if (k === ((1 << 3) | WIRE_BYTES)) typeUrl = string(stop);
          else if (k === ((2 << 3) | WIRE_BYTES)) {
            const vEnd = delimited(stop);
            value = buf.base64Slice(pos, vEnd);
            pos = vEnd;
          } else skip(k & 7, stop);
        }
        begin();
        text8(`{"type_url":${JSON.stringify(typeUrl)},"value":"${value}"}`);
        continue;
      }
      case 10: // json_val
      case 11: {
        // json_ietf_val
        if (wire !== WIRE_BYTES) break;
        const stop = delimited(end);
        begin();
        jsonValue(pos, stop, field === 10 ? 'json_val' : 'json_ietf_val');
        pos = stop;
        continue;
      }
      default:
        break;
    }
    skip(wire, end);
  }
  if (!wrote) ascii('null');
}

/** The start of every message of one device's subscription (`{"v":1,...,"ts":`), built once per stream. */
export function messageHead(device: string, subscription: string): Uint8Array {
  return Buffer.from(`{"v":1,"device":${JSON.stringify(device)},"source":"gnmi","subscription":${JSON.stringify(subscription)},"ts":`);
}

// Offsets of the updates and deletes of the message being decoded (reused).
const updateAt: number[] = [];
const deleteAt: number[] = [];

function notification(end: number, head: Uint8Array): WireResponse {
  let ts = '0';
  let prefixAt = -1;
  let prefixEnd = -1;
  updateAt.length = 0;
  deleteAt.length = 0;
  // First pass: where things are (the prefix may come after the updates it governs).
  while (pos < end) {
    const key = uint32(end);
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE_VARINT) {
      varint64(end);
      ts = int64Json(true);
    } else if (field === 2 && wire === WIRE_BYTES) {
      prefixEnd = delimited(end);
      prefixAt = pos;
      pos = prefixEnd;
    } else if ((field === 4 || field === 5) && wire === WIRE_BYTES) {
      (field === 4 ? updateAt : deleteAt).push(pos);
      pos = delimited(end);
    } else skip(wire, end);
  }
  len = 0;
  copy(head, 0, head.length);
  ascii(ts);
  let relative = false;
  ascii(',"prefix":');
  if (prefixAt >= 0) {
    pos = prefixAt;
    const prefix = pathJson(prefixEnd, false);
    relative = prefix.present;
    if (relative) copy(prefix.json, 0, prefix.json.length);
    else ascii('""');
  } else ascii('""');
  ascii(',"updates":[');
  const updates = updateAt.length;
  const deletes = deleteAt.length;
  for (let i = 0; i < updates; i += 1) {
    pos = updateAt[i]!;
    const stop = delimited(end);
    // Update { Path path = 1; Value value = 2 (deprecated, unused); TypedValue val = 3; }
    let pathAt = -1;
    let pathEnd = -1;
    let valAt = -1;
    let valEnd = -1;
    while (pos < stop) {
      const key = uint32(stop);
      if (key === ((1 << 3) | WIRE_BYTES)) {
        pathEnd = delimited(stop);
        pathAt = pos;
      } else if (key === ((3 << 3) | WIRE_BYTES)) {
        valEnd = delimited(stop);
        valAt = pos;
      } else {
        skip(key & 7, stop);
        continue;
      }
      pos = key === ((1 << 3) | WIRE_BYTES) ? pathEnd : valEnd;
    }
    ascii(i === 0 ? '{"path":' : ',{"path":');
    if (pathAt >= 0) {
      pos = pathAt;
      const p = pathJson(pathEnd, relative).json;
      copy(p, 0, p.length);
    } else ascii(relative ? '""' : '"/"');
    ascii(',"value":');
    if (valAt >= 0) {
      pos = valAt;
      typedValue(valEnd);
    } else ascii('null');
    ascii('}');
  }
  ascii('],"deletes":[');
  for (let i = 0; i < deletes; i += 1) {
    pos = deleteAt[i]!;
    const stop = delimited(end);
    if (i > 0) ascii(',');
    const p = pathJson(stop, relative).json;
    copy(p, 0, p.length);
  }
  ascii(']}');
  const data = Buffer.allocUnsafe(len);
  out.copy(data, 0, 0, len);
  return { kind: 'update', data, updates };
}

/**
 * Decodes one SubscribeResponse. An update becomes the telemetry message
 * (version 1) as JSON bytes, with its count of updates; `head` is the
 * stream's messageHead.
 */
export function subscribeResponseToJson(bytes: Buffer, head: Uint8Array): WireResponse {
  buf = bytes;
  pos = 0;
  const end = bytes.length;
  let result: WireResponse = { kind: 'other' };
  try {
    while (pos < end) {
      const key = uint32(end);
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === WIRE_BYTES) {
        const stop = delimited(end);
        result = notification(stop, head);
        pos = stop;
      } else if (field === 3 && wire === WIRE_VARINT) {
        result = uint32(end) !== 0 ? { kind: 'sync' } : { kind: 'other' };
      } else skip(wire, end);
    }
  } finally {
    buf = EMPTY; // do not keep the device's bytes alive
  }
  return result;
}

const EMPTY = Buffer.alloc(0);

import { ValueDecodeError } from './errors';
import type { TypedValue } from './types';

import type { JsonValue } from '@switch-telemetry/contracts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A 64-bit integer carried as a decimal string: a number when exact, else the string. */
export function int64(text: string | number | undefined): number | string {
  if (text === undefined) return 0;
  if (typeof text === 'number') return text;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text).toString();
}

function parseJsonBytes(bytes: Buffer, field: string): JsonValue {
  try {
    return JSON.parse(utf8.decode(bytes)) as JsonValue;
  } catch (cause) {
    throw new ValueDecodeError(`${field} is not UTF-8 JSON`, { cause, details: { field, bytes: bytes.length } });
  }
}

/** A Decimal64 as JSON: a number when a double holds every digit, else the exact decimal text. */
export function decimal(digits: string, precision: number): number | string {
  if (precision === 0) return int64(digits);
  const negative = digits.startsWith('-');
  const abs = (negative ? digits.slice(1) : digits).padStart(precision + 1, '0');
  const text = `${negative ? '-' : ''}${abs.slice(0, abs.length - precision)}.${abs.slice(abs.length - precision)}`;
  const n = Number(text);
  // Keep the exact text when a double cannot hold every digit.
  return abs.replace(/^0+/, '').length <= 15 ? n : text;
}

/** Decodes every TypedValue variant into a JSON-safe value. Throws ValueDecodeError on malformed JSON payloads. */
export function decodeTypedValue(tv: TypedValue | undefined): JsonValue {
  if (!tv) return null;
  switch (tv.value) {
    case 'string_val':
      return tv.string_val ?? '';
    case 'ascii_val':
      return tv.ascii_val ?? '';
    case 'int_val':
      return int64(tv.int_val);
    case 'uint_val':
      return int64(tv.uint_val);
    case 'bool_val':
      return tv.bool_val ?? false;
    case 'float_val':
      return tv.float_val ?? 0;
    case 'double_val':
      return tv.double_val ?? 0;
    case 'decimal_val':
      return decimal(tv.decimal_val?.digits ?? '0', tv.decimal_val?.precision ?? 0);
    case 'bytes_val':
      return (tv.bytes_val ?? Buffer.alloc(0)).toString('base64');
    case 'proto_bytes':
      return (tv.proto_bytes ?? Buffer.alloc(0)).toString('base64');
    case 'json_val':
      return parseJsonBytes(tv.json_val ?? Buffer.alloc(0), 'json_val');
    case 'json_ietf_val':
      return parseJsonBytes(tv.json_ietf_val ?? Buffer.alloc(0), 'json_ietf_val');
    case 'leaflist_val':
      return (tv.leaflist_val?.element ?? []).map((e) => decodeTypedValue(e));
    case 'any_val':
      return { type_url: tv.any_val?.type_url ?? '', value: (tv.any_val?.value ?? Buffer.alloc(0)).toString('base64') };
    case undefined:
      return null;
    default:
      throw new ValueDecodeError(`unknown TypedValue variant ${String(tv.value).slice(0, 40)}`);
  }
}

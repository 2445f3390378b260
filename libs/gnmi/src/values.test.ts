import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import {
  GnmiErrorCodes,
  ValueDecodeError,
  classifyGrpcStatus,
  decodeTypedValue,
  int64,
  normalizeNotification,
  parsePath,
  type TypedValue,
} from './index';

describe('decodeTypedValue', () => {
  it.each<[string, TypedValue, unknown]>([
    ['string', { value: 'string_val', string_val: 'UP' }, 'UP'],
    ['ascii', { value: 'ascii_val', ascii_val: 'show ver' }, 'show ver'],
    ['int (safe)', { value: 'int_val', int_val: '-42' }, -42],
    ['int (beyond 2^53, kept exact)', { value: 'int_val', int_val: '-9223372036854775808' }, '-9223372036854775808'],
    ['uint (beyond 2^53, kept exact)', { value: 'uint_val', uint_val: '18446744073709551615' }, '18446744073709551615'],
    ['uint (safe)', { value: 'uint_val', uint_val: '9007199254740991' }, 9007199254740991],
    ['bool', { value: 'bool_val', bool_val: true }, true],
    ['bytes (base64)', { value: 'bytes_val', bytes_val: Buffer.from([0, 255, 16]) }, 'AP8Q'],
    ['float', { value: 'float_val', float_val: 0.5 }, 0.5],
    ['double', { value: 'double_val', double_val: 12.345678901234 }, 12.345678901234],
    ['decimal64', { value: 'decimal_val', decimal_val: { digits: '12345', precision: 2 } }, 123.45],
    ['decimal64 negative, leading zeros', { value: 'decimal_val', decimal_val: { digits: '-5', precision: 3 } }, -0.005],
    [
      'decimal64 beyond a double, kept as text',
      { value: 'decimal_val', decimal_val: { digits: '1234567890123456789', precision: 4 } },
      '123456789012345.6789',
    ],
    [
      'leaf-list',
      {
        value: 'leaflist_val',
        leaflist_val: {
          element: [
            { value: 'string_val', string_val: 'a' },
            { value: 'uint_val', uint_val: '7' },
          ],
        },
      },
      ['a', 7],
    ],
    ['json', { value: 'json_val', json_val: Buffer.from('{"a":[1,2]}') }, { a: [1, 2] }],
    [
      'json_ietf',
      { value: 'json_ietf_val', json_ietf_val: Buffer.from('{"openconfig-interfaces:in-octets":"12"}') },
      { 'openconfig-interfaces:in-octets': '12' },
    ],
    ['proto bytes (kept as bytes)', { value: 'proto_bytes', proto_bytes: Buffer.from('pb') }, 'cGI='],
    [
      'any',
      { value: 'any_val', any_val: { type_url: 'type.googleapis.com/x.Y', value: Buffer.from('z') } },
      { type_url: 'type.googleapis.com/x.Y', value: 'eg==' },
    ],
    ['absent', {}, null],
  ])('%s', (_name, tv, expected) => {
    expect(decodeTypedValue(tv)).toEqual(expected);
  });

  it.each(['{oops', '\u00ff'])('refuses json_ietf_val %p with a ValueDecodeError', (text) => {
    expect(() => decodeTypedValue({ value: 'json_ietf_val', json_ietf_val: Buffer.from(text, 'latin1') })).toThrow(ValueDecodeError);
  });

  it('keeps 64-bit timestamps exact', () => {
    expect(int64('1764201600123456789')).toBe('1764201600123456789');
    expect(int64('1764201600123')).toBe(1764201600123);
  });
});

describe('normalizeNotification', () => {
  it('makes one telemetry message per Notification, deletes kept', () => {
    const msg = normalizeNotification(
      {
        timestamp: '1764201600123456789',
        prefix: parsePath('/interfaces/interface[name=Ethernet1]'),
        update: [{ path: parsePath('state/counters/in-octets'), val: { value: 'uint_val', uint_val: '1234' } }],
        delete: [parsePath('state/description')],
      },
      'leaf-01',
      'interfaces',
    );
    expect(msg).toEqual({
      v: 1,
      device: 'leaf-01',
      source: 'gnmi',
      subscription: 'interfaces',
      ts: '1764201600123456789',
      prefix: '/interfaces/interface[name=Ethernet1]',
      updates: [{ path: 'state/counters/in-octets', value: 1234 }],
      deletes: ['state/description'],
    });
  });

  it('uses absolute paths when there is no prefix', () => {
    const msg = normalizeNotification(
      { timestamp: '5', update: [{ path: parsePath('/system/state/hostname'), val: { value: 'string_val', string_val: 'leaf-01' } }] },
      'd',
      's',
    );
    expect(msg).toMatchObject({ ts: 5, prefix: '', updates: [{ path: '/system/state/hostname', value: 'leaf-01' }] });
  });
});

describe('gRPC status classification', () => {
  it.each([
    [16, 'permanent'], // UNAUTHENTICATED
    [7, 'permanent'], // PERMISSION_DENIED
    [3, 'permanent'], // INVALID_ARGUMENT
    [12, 'permanent'], // UNIMPLEMENTED
    [14, 'retryable'], // UNAVAILABLE
    [4, 'retryable'], // DEADLINE_EXCEEDED
    [8, 'retryable'], // RESOURCE_EXHAUSTED
    [2, 'unknown'], // UNKNOWN
  ])('code %i is %s', (code, expected) => {
    expect(classifyGrpcStatus(code)).toBe(expected);
  });

  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, GnmiErrorCodes)).not.toThrow();
  });
});

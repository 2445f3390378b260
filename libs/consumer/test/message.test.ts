import {
  decodeTelemetryMessage,
  dedupeKey,
  fullPath,
  InvalidTelemetryMessageError,
  numericValue,
  timestampDate,
  timestampNanos,
} from '../src';
import { counterMessage } from './fixtures';

const encode = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeTelemetryMessage', () => {
  it('returns the message, keeping fields it does not know (version 1 may grow)', () => {
    const message = { ...counterMessage('leaf-01', 1), extra: 'kept' };
    for (const mode of ['validate', 'trust'] as const) {
      expect(decodeTelemetryMessage(encode(message), mode)).toEqual(message);
    }
    expect(decodeTelemetryMessage(JSON.stringify(message))).toEqual(message);
  });

  it('refuses what is not JSON or not a telemetry message v1, naming where', () => {
    const good = counterMessage('leaf-01', 1);
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /not JSON/],
      [{ ...good, v: 2 }, /v/],
      [{ ...good, device: 'Leaf.01' }, /device/],
      [{ ...good, updates: [{ value: 1 }] }, /updates\.0\.path/],
      [{ ...good, ts: -1 }, /ts/],
    ];
    for (const [body, where] of cases) {
      const err = (() => {
        try {
          decodeTelemetryMessage(encode(body));
        } catch (e) {
          return e;
        }
        throw new Error('accepted');
      })();
      expect(err).toBeInstanceOf(InvalidTelemetryMessageError);
      expect((err as Error).message).toMatch(where);
      expect((err as InvalidTelemetryMessageError).code).toBe('TELEMETRY_INVALID_MESSAGE');
    }
  });

  it('in trust mode checks the envelope but not the values', () => {
    const odd = { ...counterMessage('leaf-01', 1), device: 'Not A Token' };
    expect(decodeTelemetryMessage(encode(odd), 'trust').device).toBe('Not A Token');
    expect(() => decodeTelemetryMessage(encode(odd), 'validate')).toThrow(InvalidTelemetryMessageError);
    expect(() => decodeTelemetryMessage(encode([1]), 'trust')).toThrow(/JSON object/);
    expect(() => decodeTelemetryMessage(encode({ ...odd, updates: 'x' }), 'trust')).toThrow(/updates/);
    expect(() => decodeTelemetryMessage(encode({ ...odd, updates: [null] }), 'trust')).toThrow(/updates\.0\.path/);
  });
});

describe('message helpers', () => {
  it('joins prefix and path', () => {
    expect(fullPath('', '/system/cpu')).toBe('/system/cpu');
    expect(fullPath('/interfaces/interface[name=Ethernet1]', 'state/counters/in-octets')).toBe(
      '/interfaces/interface[name=Ethernet1]/state/counters/in-octets',
    );
    expect(fullPath('openconfig:/a/', '/b')).toBe('openconfig:/a/b');
    expect(fullPath('/a', '')).toBe('/a');
  });

  it('reads numbers and decimal strings as numbers, nothing else', () => {
    expect(numericValue(42)).toBe(42);
    expect(numericValue('18446744073709551615')).toBe(18446744073709551615);
    expect(numericValue('-3.25')).toBe(-3.25);
    for (const v of ['UP', '1e3', '', true, null, { a: 1 }, [1], undefined, ' 1']) expect(numericValue(v as never)).toBeUndefined();
  });

  it('keeps the device timestamp exact and gives a dedupe key per message', () => {
    const m = { ...counterMessage('leaf-01', 0), ts: '18446744073709551615' };
    expect(timestampNanos(m)).toBe(18446744073709551615n);
    expect(timestampDate({ ts: '1764000000123456789' }).toISOString()).toBe('2025-11-24T16:00:00.123Z');
    expect(dedupeKey(m)).toBe('leaf-01/interfaces/18446744073709551615');
    expect(dedupeKey(counterMessage('leaf-01', 1))).not.toBe(dedupeKey(counterMessage('leaf-01', 2)));
  });
});

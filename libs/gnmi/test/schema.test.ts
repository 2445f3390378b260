import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { normalizeNotification, parsePath } from '../src';

// The published JSON Schema (schemas/telemetry-message.v1.json) is what
// downstream consumers validate against: what we produce must pass it.
const schema = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'schemas', 'telemetry-message.v1.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true }).compile(schema);

describe('the published telemetry message schema', () => {
  it('accepts what the normaliser produces, 64-bit timestamps and values included', () => {
    const message = normalizeNotification(
      {
        timestamp: '1764201600123456789',
        prefix: parsePath('/interfaces/interface[name=Ethernet1]'),
        update: [
          { path: parsePath('state/counters/in-octets'), val: { value: 'uint_val', uint_val: '18446744073709551615' } },
          { path: parsePath('state/oper-status'), val: { value: 'string_val', string_val: 'UP' } },
        ],
        delete: [parsePath('state/description')],
      },
      'leaf-01',
      'interfaces',
    );
    expect(validate(message)).toBe(true);
    expect(validate({ ...message, ts: 1764201600123 })).toBe(true);
  });

  it('rejects what consumers must not get', () => {
    const base = normalizeNotification({ timestamp: '1', update: [] }, 'leaf-01', 's');
    expect(validate({ ...base, device: 'Leaf.01' })).toBe(false);
    expect(validate({ ...base, v: 2 })).toBe(false);
    expect(validate({ ...base, ts: 1.5 })).toBe(false);
    // Within version 1 fields may be added: consumers must ignore what they do not know.
    expect(validate({ ...base, extra: true })).toBe(true);
  });
});

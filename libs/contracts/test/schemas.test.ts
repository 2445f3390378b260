import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { renderSchemas, restartRequest, sessionEventBodySchema, telemetryMessageSchema } from '../src';

const DIR = resolve(__dirname, '..', '..', '..', 'schemas');
const rendered = renderSchemas();

describe('the published JSON Schemas (schemas/*.json)', () => {
  it('are exactly what `npm run schemas` writes from the zod schemas', () => {
    const checkedIn = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(checkedIn).toEqual(Object.keys(rendered).sort());
    for (const [file, text] of Object.entries(rendered)) {
      // A difference here means a zod schema changed: run `npm run schemas` and commit the result.
      expect({ file, text: readFileSync(resolve(DIR, file), 'utf8') }).toEqual({ file, text });
    }
  });

  it('are valid JSON Schema 2020-12 and agree with zod on good and bad messages', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = (file: string) => ajv.compile(JSON.parse(rendered[file]!));

    const telemetry = validate('telemetry-message.v1.json');
    const message = {
      v: 1,
      device: 'leaf-01',
      source: 'gnmi',
      subscription: 'if',
      ts: '18446744073709551615',
      prefix: '',
      updates: [{ path: '/a', value: { b: [1, '2'] } }],
      deletes: [],
    };
    expect(telemetryMessageSchema.safeParse(message).success).toBe(true);
    expect(telemetry(message)).toBe(true);
    // Within version 1 a producer may add fields; consumers must ignore them.
    expect(telemetry({ ...message, added_later: true })).toBe(true);
    for (const bad of [
      { ...message, v: 2 },
      { ...message, device: 'Leaf.01' },
      { ...message, ts: 1.5 },
      { ...message, updates: [{ path: '/a' }] },
    ]) {
      expect(telemetryMessageSchema.safeParse(bad).success).toBe(false);
      expect(telemetry(bad)).toBe(false);
    }

    const restart = validate('restart-request.v1.json');
    expect(restart(restartRequest('leaf-01', 'api'))).toBe(true);
    expect(restart({ v: 1, device: 'a.b' })).toBe(false);

    const session = validate('session-event.v1.json');
    const status = {
      v: 1,
      device: 'leaf-01',
      state: 'backoff',
      since: 'x',
      last_update: null,
      restarts: 2,
      last_error: { code: 'connect_refused', message: 'refused' },
      owner: 'c1',
      retry_at: 'y',
    };
    expect(sessionEventBodySchema.safeParse(status).success).toBe(true);
    expect(session(status)).toBe(true);
    expect(session({ ...status, state: 'dreaming' })).toBe(false);
  });
});

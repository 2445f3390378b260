import { ConfigError, loadConfig, z, type Env } from '@switch-telemetry/config';
import { ingressConfigShape } from '../src/config';

const schema = z.object(ingressConfigShape);
const load = (env: Env) => loadConfig(schema, { env, ownedPrefixes: ['INGRESS_'] });

function problems(env: Env): string {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('ingress configuration', () => {
  it('accepts admin tokens beside read and write', () => {
    const tokens = [
      { name: 'ops', token: 'a'.repeat(24), scope: 'admin' },
      { name: 'ci', token: 'w'.repeat(24), scope: 'write' },
    ];
    expect(load({ INGRESS_API_TOKENS: JSON.stringify(tokens) }).INGRESS_API_TOKENS.map((t) => t.scope)).toEqual(['admin', 'write']);
    expect(problems({ INGRESS_API_TOKENS: JSON.stringify([{ name: 'x', token: 'x'.repeat(24), scope: 'root' }]) })).toContain('INGRESS_API_TOKENS');
  });

});

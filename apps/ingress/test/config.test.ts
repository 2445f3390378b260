import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, z, type Env } from '@switch-telemetry/config';
import { DEFAULT_MAX_CONNECTIONS, INGRESS_OPS_PORT, ingressConfigShape } from '../src/config';

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
  it('defaults OPS_PORT to 9100 (apart from the other apps, 9101-9103), allows 0, and caps connections', () => {
    const config = load({});
    expect(config.OPS_PORT).toBe(INGRESS_OPS_PORT);
    expect(INGRESS_OPS_PORT).toBe(9100);
    expect(config.INGRESS_MAX_CONNECTIONS).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(load({ OPS_PORT: '0', INGRESS_MAX_CONNECTIONS: '50' })).toMatchObject({ OPS_PORT: 0, INGRESS_MAX_CONNECTIONS: 50 });
    expect(problems({ INGRESS_MAX_CONNECTIONS: '0' })).toContain('INGRESS_MAX_CONNECTIONS');
  });

  it('accepts admin tokens beside read and write', () => {
    const tokens = [
      { name: 'ops', token: 'a'.repeat(24), scope: 'admin' },
      { name: 'ci', token: 'w'.repeat(24), scope: 'write' },
    ];
    expect(load({ INGRESS_API_TOKENS: JSON.stringify(tokens) }).INGRESS_API_TOKENS.map((t) => t.scope)).toEqual(['admin', 'write']);
    expect(problems({ INGRESS_API_TOKENS: JSON.stringify([{ name: 'x', token: 'x'.repeat(24), scope: 'root' }]) })).toContain(
      'INGRESS_API_TOKENS',
    );
  });

  it('takes a standard source only with whsec_ secrets of 24-64 bytes, naming the source and never the secret', () => {
    const good = `whsec_${randomBytes(32).toString('base64')}`;
    const sources = (secrets: string[]) => JSON.stringify([{ name: 'vendor', scheme: 'standard', secrets }]);
    expect(load({ INGRESS_WEBHOOK_SOURCES: sources([good]) }).INGRESS_WEBHOOK_SOURCES[0]!.secrets).toEqual([good]);

    for (const bad of [
      'whsec_this-is-not-base64-but-long-enough',
      `whsec_${randomBytes(8).toString('base64')}`,
      'plain-secret-0123456789',
    ]) {
      const message = problems({ INGRESS_WEBHOOK_SOURCES: sources([good, bad]) });
      expect(message).toContain('INGRESS_WEBHOOK_SOURCES');
      expect(message).toContain('source "vendor": secret 2 must be whsec_');
      expect(message).not.toContain(bad);
      expect(message).not.toContain(good);
    }
  });

  it('keeps the 16-character rule for hex and github sources', () => {
    const sources = (scheme: string, secret: string) => JSON.stringify([{ name: 'nms', scheme, secrets: [secret] }]);
    expect(load({ INGRESS_WEBHOOK_SOURCES: sources('hex', 'plain-secret-0123456789') }).INGRESS_WEBHOOK_SOURCES).toHaveLength(1);
    expect(
      load({ INGRESS_WEBHOOK_SOURCES: sources('github', 'whsec_not-base64-but-fine-for-github') }).INGRESS_WEBHOOK_SOURCES,
    ).toHaveLength(1);
    expect(problems({ INGRESS_WEBHOOK_SOURCES: sources('hex', 'short') })).toContain('at least 16 characters');
  });
});

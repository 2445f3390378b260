import { ConfigError, loadConfig, z, type Env } from '@switch-telemetry/config';
import { WEBHOOK_CONTENT_WINDOW_MS, WEBHOOK_DELIVERY_RETENTION_MS } from '@switch-telemetry/inventory';
import { DISCOVERY_OWNED_PREFIXES, discoveryConfigShape } from '../src/config';

const load = (env: Env) => loadConfig(z.object(discoveryConfigShape), { env, ownedPrefixes: DISCOVERY_OWNED_PREFIXES });

function problems(env: Env): string {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('discovery configuration', () => {
  it('remembers content-derived webhook ids 5 minutes and sender ids 7 days by default', () => {
    expect(load({})).toMatchObject({ WEBHOOK_CONTENT_WINDOW_MS: 300_000, WEBHOOK_DELIVERY_RETENTION_MS: 604_800_000 });
    expect([WEBHOOK_CONTENT_WINDOW_MS, WEBHOOK_DELIVERY_RETENTION_MS]).toEqual([300_000, 604_800_000]);
    expect(load({ WEBHOOK_CONTENT_WINDOW_MS: '900000', WEBHOOK_DELIVERY_RETENTION_MS: '86400000' })).toMatchObject({
      WEBHOOK_CONTENT_WINDOW_MS: 900_000,
      WEBHOOK_DELIVERY_RETENTION_MS: 86_400_000,
    });
  });

  it("refuses a content window shorter than the streams' duplicate window, and a misspelt WEBHOOK_ variable", () => {
    expect(problems({ WEBHOOK_CONTENT_WINDOW_MS: '60000' })).toContain('WEBHOOK_CONTENT_WINDOW_MS: must be at least 300000');
    expect(problems({ WEBHOOK_CONTENT_WINDOW: '600000' })).toContain('WEBHOOK_CONTENT_WINDOW: unknown variable');
    expect(problems({ WEBHOOK_DELIVERY_RETENTION_MS: '0' })).toContain('WEBHOOK_DELIVERY_RETENTION_MS');
  });
});

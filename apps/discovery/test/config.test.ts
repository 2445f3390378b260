import { ConfigError, loadConfig, z, type Env } from '@switch-telemetry/config';
import { WEBHOOK_CONTENT_WINDOW_MS, WEBHOOK_DELIVERY_RETENTION_MS } from '@switch-telemetry/inventory';
import { DISCOVERY_OWNED_PREFIXES, discoveryConfigShape } from '../src/config';

const load = (env: Env) => loadConfig(z.object(discoveryConfigShape), { env, ownedPrefixes: DISCOVERY_OWNED_PREFIXES });

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
    const refused = (env: Env, problem: string) =>
      expect(() => load(env)).toThrow(expect.objectContaining({ name: ConfigError.name, message: expect.stringContaining(problem) }));
    refused({ WEBHOOK_CONTENT_WINDOW_MS: '60000' }, 'WEBHOOK_CONTENT_WINDOW_MS: must be at least 300000');
    refused({ WEBHOOK_CONTENT_WINDOW: '600000' }, 'WEBHOOK_CONTENT_WINDOW: unknown variable');
    refused({ WEBHOOK_DELIVERY_RETENTION_MS: '0' }, 'WEBHOOK_DELIVERY_RETENTION_MS');
  });
});

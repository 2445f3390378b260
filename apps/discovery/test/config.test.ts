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

  it('reads NetBox sources with their defaults, and refuses a wrong one naming the field, never echoing a token', () => {
    const source = {
      name: 'dc1',
      url: 'https://netbox.example.com',
      allowed_subnets: ['10.0.0.0/8'],
      platforms: { eos: { protocol: 'gnmi' } },
    };
    const config = load({ NETBOX_SOURCES: JSON.stringify([source]), NETBOX_TOKENS: JSON.stringify({ dc1: 'nb-token-0123456789' }) });
    expect(config.NETBOX_SOURCES[0]).toMatchObject({
      select: { statuses: ['active'], tags: [] },
      on_leave: 'disable',
      page_size: 1_000,
      sync_cron: '*/15 * * * *',
      max_removal_fraction: 0.5,
    });
    const refused = (env: Env, problem: string) =>
      expect(() => load(env)).toThrow(expect.objectContaining({ name: ConfigError.name, message: expect.stringContaining(problem) }));
    refused({ NETBOX_SOURCES: JSON.stringify([{ ...source, url: 'https://admin:pw@netbox.example.com' }]) }, 'must not carry credentials');
    refused({ NETBOX_SOURCES: JSON.stringify([{ ...source, url: 'file:///etc/passwd' }]) }, 'NETBOX_SOURCES');
    refused({ NETBOX_SOURCES: JSON.stringify([{ ...source, platforms: { eos: { protocol: 'snmp' } } }]) }, 'NETBOX_SOURCES');
    refused({ NETBOX_SOURCES: JSON.stringify([source, source]) }, 'source names must be unique');
    refused({ NETBOX_SOURCES: JSON.stringify([{ ...source, surprise: 1 }]) }, 'NETBOX_SOURCES');
    refused({ NETBOX_SOURCE: '[]' }, 'NETBOX_SOURCE: unknown variable');
    let message = '';
    try {
      load({ NETBOX_TOKENS: JSON.stringify({ dc1: 'short' }) });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('NETBOX_TOKENS');
    expect(message).not.toContain('short');
  });
});

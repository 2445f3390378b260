import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import { ConfigError, ConfigErrorCodes, durationMs, flag, jsonOf, loadConfig, logLevel, port, secret, url, z } from './index';

const schema = z.object({
  NATS_URL: url('nats://127.0.0.1:4222', ['nats', 'tls']),
  HTTP_TIMEOUT_MS: durationMs(5_000),
  HTTP_PORT: port(8080),
  LOG_LEVEL: logLevel(),
  VERBOSE: flag(false),
  API_TOKEN: secret().optional(),
});

function problemsOf(fn: () => unknown): Array<{ variable: string; problem: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and coerces numbers and flags', () => {
    const config = loadConfig(schema, { env: { HTTP_PORT: '9000', VERBOSE: 'yes' } });
    expect(config).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      HTTP_TIMEOUT_MS: 5_000,
      HTTP_PORT: 9000,
      LOG_LEVEL: 'info',
      VERBOSE: true,
    });
  });

  it('freezes the result', () => {
    const config = loadConfig(schema, { env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { HTTP_PORT: number }).HTTP_PORT = 1;
    }).toThrow(TypeError);
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf(() => loadConfig(schema, { env: { NATS_URL: 'nope', HTTP_TIMEOUT_MS: '0', LOG_LEVEL: 'loud' } }));
    expect(problems.map((p) => p.variable)).toEqual(['HTTP_TIMEOUT_MS', 'LOG_LEVEL', 'NATS_URL']);
    expect(problems[2]?.problem).toBe('must be a URL with scheme nats, tls');
  });

  it.each(['0', '-5', 'Infinity', '1e400', '2.5', 'soon', '', '2147483648'])('rejects the timeout %p', (value) => {
    const problems = problemsOf(() => loadConfig(schema, { env: { HTTP_TIMEOUT_MS: value } }));
    expect(problems).toEqual([{ variable: 'HTTP_TIMEOUT_MS', problem: expect.stringContaining('milliseconds') }]);
  });

  it('accepts the largest timer Node can keep', () => {
    expect(loadConfig(schema, { env: { HTTP_TIMEOUT_MS: '2147483647' } }).HTTP_TIMEOUT_MS).toBe(2_147_483_647);
  });

  it('reads <NAME>_FILE and strips one trailing newline', () => {
    const files: Record<string, string> = { '/run/secrets/token': 's3cret-token\n' };
    const config = loadConfig(schema, {
      env: { API_TOKEN_FILE: '/run/secrets/token' },
      readFile: (path) => {
        const content = files[path];
        if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        return content;
      },
    });
    expect(config.API_TOKEN).toBe('s3cret-token');
  });

  it('refuses a variable given both directly and as a file, and an unreadable file', () => {
    const problems = problemsOf(() =>
      loadConfig(schema, {
        env: { API_TOKEN: 'a', API_TOKEN_FILE: '/x', HTTP_PORT_FILE: '/nope' },
        readFile: () => {
          throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        },
      }),
    );
    expect(problems).toEqual([
      { variable: 'API_TOKEN', problem: 'set both API_TOKEN and API_TOKEN_FILE; choose one' },
      { variable: 'HTTP_PORT_FILE', problem: 'cannot read the file (ENOENT)' },
    ]);
  });

  it('rejects unknown variables under a prefix the app owns, and ignores the rest', () => {
    const prefixed = z.object({ INGRESS_BODY_LIMIT: port(1) });
    const problems = problemsOf(() => loadConfig(prefixed, { env: { INGRESS_BODY_LIMT: '5', PATH: '/bin' }, ownedPrefixes: ['INGRESS_'] }));
    expect(problems).toEqual([{ variable: 'INGRESS_BODY_LIMT', problem: 'unknown variable (misspelt or no longer supported)' }]);
  });

  it('lets Kubernetes service-link variables through under an owned prefix', () => {
    const prefixed = z.object({ INGRESS_BODY_LIMIT: port(1) });
    const env = {
      INGRESS_SERVICE_HOST: '10.0.0.1',
      INGRESS_SERVICE_PORT: '8080',
      INGRESS_SERVICE_PORT_HTTP: '8080',
      INGRESS_PORT: 'tcp://10.0.0.1:8080',
      INGRESS_PORT_8080_TCP: 'tcp://10.0.0.1:8080',
      INGRESS_PORT_8080_TCP_ADDR: '10.0.0.1',
    };
    expect(loadConfig(prefixed, { env, ownedPrefixes: ['INGRESS_'] })).toEqual({ INGRESS_BODY_LIMIT: 1 });
  });

  it('never puts a value into the error message', () => {
    const problems = problemsOf(() => loadConfig(schema, { env: { API_TOKEN: '', NATS_URL: 'http://user:hunter2@x' } }));
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('parses a JSON variable and names the element that is wrong', () => {
    const sources = z.object({ SOURCES: jsonOf(z.array(z.object({ name: z.string(), secrets: z.array(z.string()).min(1) }))) });
    expect(loadConfig(sources, { env: { SOURCES: '[{"name":"nms","secrets":["s"]}]' } }).SOURCES).toEqual([
      { name: 'nms', secrets: ['s'] },
    ]);
    expect(problemsOf(() => loadConfig(sources, { env: { SOURCES: '[{"name":' } }))).toEqual([
      { variable: 'SOURCES', problem: 'must be valid JSON' },
    ]);
    const problems = problemsOf(() => loadConfig(sources, { env: { SOURCES: '[{"name":"nms","secrets":[]}]' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe('SOURCES');
  });

  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, ConfigErrorCodes)).not.toThrow();
  });
});

import { ErrorCodes, assertUniqueCodes, classify } from '@switch-telemetry/errors';
import { createLogger } from '@switch-telemetry/logging';
import { Registry } from 'prom-client';
import {
  CircuitOpenError,
  ConnectionError,
  DecodeError,
  HttpClient,
  HttpErrorCodes,
  HttpStatusError,
  InvalidRequestError,
  ResponseTooLargeError,
  TimeoutError,
  classifyStatus,
  type HttpClientOptions,
} from '../src';
import { startTestServer, type TestServer } from '../src/testing';
import { freePort } from '@switch-telemetry/bus/testing';

const log = createLogger({ app: 'test', level: 'silent' });
const clients: HttpClient[] = [];
const servers: TestServer[] = [];

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  // Small waits so the suite stays fast; the formulas are the production ones.
  const c = new HttpClient({ log, backoff: { baseMs: 20, capMs: 200, jitter: 0.5 }, receiveTimeoutMs: 1_000, ...options });
  clients.push(c);
  return c;
}

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(handler);
  servers.push(s);
  return s;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of servers) await s.close();
});

describe('HttpClient against misbehaving local servers', () => {
  it('retries a 500 and returns the 200 that follows', async () => {
    const s = await server((req, res, n) => (n === 1 ? json(500, { error: 'busy' }) : json(200, { ok: true }))(req, res));
    const res = await client().get<{ ok: boolean }>(`${s.url}/devices`);
    expect(res).toMatchObject({ status: 200, body: { ok: true }, attempts: 2 });
    expect(s.requests).toHaveLength(2);
  });

  it('gives up after the attempts with a typed error carrying status and a bounded body excerpt', async () => {
    const s = await server(json(500, { error: 'x'.repeat(5_000) }));
    const error = await client()
      .get(`${s.url}/x`)
      .catch((e) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 500, code: 'HTTP_STATUS', classification: 'retryable' });
    expect(error.bodyExcerpt.length).toBe(1_024);
    expect(s.requests).toHaveLength(4);
  });

  it('never retries a 404', async () => {
    const s = await server(json(404, { error: 'no such device' }));
    const error = await client()
      .get(`${s.url}/devices/x`)
      .catch((e) => e);
    expect(error).toMatchObject({ status: 404, classification: 'permanent' });
    expect(classify(error)).toBe('permanent');
    expect(s.requests).toHaveLength(1);
  });

  it('waits for a 429 Retry-After of 1 s before trying again', async () => {
    const s = await server((req, res, n) => (n === 1 ? json(429, {}, { 'retry-after': '1' }) : json(200, { ok: 1 }))(req, res));
    const started = Date.now();
    const res = await client().get(`${s.url}/`);
    const waited = Date.now() - started;
    expect(res.attempts).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(980);
    expect(waited).toBeLessThan(1_800);
  });

  it('times out on a server that accepts and never answers', async () => {
    const s = await server(() => undefined);
    const started = Date.now();
    const error = await client({ receiveTimeoutMs: 200, maxAttempts: 1 })
      .get(`${s.url}/`)
      .catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'headers', code: 'HTTP_TIMEOUT', classification: 'retryable' });
    // undici checks its timeouts on a coarse (about 1 s) timer wheel, so a 200 ms timeout fires within ~1 s.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('reports a reset connection as a ConnectionError and retries it', async () => {
    const s = await server((req, res, n) => (n === 1 ? req.socket.destroy() : json(200, { ok: true })(req, res)));
    const res = await client().get(`${s.url}/`);
    expect(res.attempts).toBe(2);
    const always = await server((req) => req.socket.destroy());
    const error = await client({ maxAttempts: 2 })
      .get(`${always.url}/`)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.phase).toBe('socket');
  });

  it('retries a refused port, even for a POST, since nothing was sent', async () => {
    const port = await freePort();
    const registry = new Registry();
    const error = await client({ registry, maxAttempts: 3 })
      .post(`http://127.0.0.1:${port}/hook`, { a: 1 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ phase: 'connect', classification: 'retryable' });
    expect(await registry.getSingleMetricAsString('http_client_attempts_total')).toContain('outcome="connection"} 3');
  });

  it('does not repeat a POST that reached the server unless it is idempotent', async () => {
    const s = await server(json(503, {}));
    await expect(client().post(`${s.url}/hook`, { a: 1 })).rejects.toBeInstanceOf(HttpStatusError);
    expect(s.requests).toHaveLength(1);
    await expect(client().post(`${s.url}/hook`, { a: 1 }, { idempotencyKey: 'evt-42' })).rejects.toBeInstanceOf(HttpStatusError);
    expect(s.requests).toHaveLength(5);
    expect(s.requests[4]!.headers['idempotency-key']).toBe('evt-42');
    expect(JSON.parse(s.requests[4]!.body)).toEqual({ a: 1 });
  });

  it('turns a 2xx body that is not JSON into a DecodeError instead of crashing', async () => {
    const s = await server((_req, res) => res.end('<html>oops</html>'));
    const error = await client()
      .get(`${s.url}/`)
      .catch((e) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.details.bodyExcerpt).toBe('<html>oops</html>');
    expect(s.requests).toHaveLength(1);
    expect((await client().get(`${s.url}/`, { expect: 'text' })).body).toBe('<html>oops</html>');
  });

  it('refuses a response larger than the limit', async () => {
    const s = await server((_req, res) => res.end('x'.repeat(10_000)));
    await expect(client({ maxResponseBytes: 1_000 }).get(`${s.url}/`, { expect: 'text' })).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('stops retrying at the deadline', async () => {
    const s = await server(json(500, {}));
    const started = Date.now();
    const error = await client({ backoff: { baseMs: 300, capMs: 5_000, jitter: 0 }, maxAttempts: 10 })
      .get(`${s.url}/`, { deadlineMs: 1_000 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(Date.now() - started).toBeLessThan(1_100);
    expect(s.requests.length).toBe(3); // t=0, +300, +600 (next would be +1200)
  });

  it('refuses zero, negative and infinite settings, and bad URLs', async () => {
    expect(() => new HttpClient({ log, connectTimeoutMs: 0 })).toThrow(InvalidRequestError);
    expect(() => new HttpClient({ log, receiveTimeoutMs: Infinity })).toThrow('receiveTimeoutMs must be a positive, finite number');
    expect(() => new HttpClient({ log, deadlineMs: -1 })).toThrow(InvalidRequestError);
    await expect(client().get('not a url')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(client().get('ftp://example.test/x')).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, HttpErrorCodes)).not.toThrow();
  });
});

describe('circuit breaker per origin', () => {
  it('opens after 5 failures, fails fast while open, lets one trial through after the reset time, and closes on success', async () => {
    let healthy = false;
    const s = await server((req, res) => (healthy ? json(200, { ok: true }) : json(500, {}))(req, res));
    const registry = new Registry();
    const c = client({ maxAttempts: 1, breakerResetTimeoutMs: 400, registry });
    for (let i = 0; i < 5; i += 1) await expect(c.get(`${s.url}/`)).rejects.toBeInstanceOf(HttpStatusError);
    expect(c.breakerStates()).toEqual([expect.objectContaining({ origin: s.url, state: 'open', consecutiveFailures: 5 })]);

    const open = await c.get(`${s.url}/`).catch((e) => e);
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open.retryAfterMs).toBeGreaterThan(0);
    expect(open.retryAfterMs).toBeLessThanOrEqual(400);
    expect(s.requests).toHaveLength(5);

    await new Promise((r) => setTimeout(r, 450));
    expect(c.breakerStates()[0]!.state).toBe('half-open');
    healthy = true;
    await expect(c.get(`${s.url}/`)).resolves.toMatchObject({ status: 200 });
    expect(c.breakerStates()[0]!.state).toBe('closed');
    expect(s.requests).toHaveLength(6);
    const metrics = await registry.metrics();
    expect(metrics).toContain('http_client_breaker_transitions_total{to="open"} 1');
    expect(metrics).toContain('http_client_breaker_transitions_total{to="half-open"} 1');
    expect(metrics).toContain('http_client_breaker_transitions_total{to="closed"} 1');
  });

  it('lets exactly one trial through when half-open, and opens again when it fails', async () => {
    const s = await server((req, res) => setTimeout(() => json(500, {})(req, res), 100));
    const c = client({ maxAttempts: 1, breakerResetTimeoutMs: 200, breakerFailureThreshold: 2 });
    await c.get(`${s.url}/`).catch(() => undefined);
    await c.get(`${s.url}/`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 250));
    const results = await Promise.allSettled([c.get(`${s.url}/`), c.get(`${s.url}/`), c.get(`${s.url}/`)]);
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).constructor.name : 'ok'));
    expect(reasons.filter((n) => n === 'HttpStatusError')).toHaveLength(1);
    expect(reasons.filter((n) => n === 'CircuitOpenError')).toHaveLength(2);
    expect(c.breakerStates()[0]!.state).toBe('open');
    expect(s.requests).toHaveLength(3);
  });

  it('is not tripped by 4xx answers', async () => {
    const s = await server(json(404, {}));
    const c = client({ maxAttempts: 1 });
    for (let i = 0; i < 10; i += 1) await expect(c.get(`${s.url}/`)).rejects.toBeInstanceOf(HttpStatusError);
    expect(c.breakerStates()).toEqual([expect.objectContaining({ state: 'closed', consecutiveFailures: 0 })]);
    expect(s.requests).toHaveLength(10);
  });

  it('keeps one breaker per origin: a failing origin does not stop another', async () => {
    const bad = await server(json(500, {}));
    const good = await server(json(200, { ok: true }));
    const c = client({ maxAttempts: 1 });
    for (let i = 0; i < 5; i += 1) await c.get(`${bad.url}/`).catch(() => undefined);
    await expect(c.get(`${bad.url}/`)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(c.get(`${good.url}/`)).resolves.toMatchObject({ status: 200 });
  });
});

describe('hooks for callers that guard where they connect', () => {
  it('connects to the address its lookup returns, so a name the resolver does not know still reaches it', async () => {
    const s = await server(json(200, { ok: true }));
    const port = new URL(s.url).port;
    const lookup: import('node:net').LookupFunction = (_host, options, callback) =>
      (options as { all?: boolean }).all
        ? (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }])
        : callback(null, '127.0.0.1', 4);
    await expect(client({ lookup }).get(`http://receiver.invalid:${port}/`)).resolves.toMatchObject({ status: 200 });
  });

  it('hands an error of ours raised by the lookup to the caller as it is, and does not count it against the origin', async () => {
    const s = await server(json(200, { ok: true }));
    const port = new URL(s.url).port;
    const refused = new DecodeError('refused by the guard');
    const c = client({ lookup: (_host, _options, callback) => callback(refused, '', 4), breakerFailureThreshold: 2 });
    for (let i = 0; i < 3; i += 1) await expect(c.get(`http://blocked.invalid:${port}/`)).rejects.toBe(refused);
    expect(c.breakerStates()[0]).toMatchObject({ state: 'closed' });
  });

  it('reads only an excerpt of a 2xx body when asked', async () => {
    const s = await server((_req, res) => res.end('y'.repeat(100_000)));
    const res = await client().get<string>(`${s.url}/`, { expect: 'excerpt' });
    expect(res.body).toHaveLength(1_024);
  });

  it('tells the caller of every breaker state change', async () => {
    const s = await server(json(503, {}));
    const seen: string[] = [];
    const c = client({ maxAttempts: 1, breakerFailureThreshold: 2, onBreakerTransition: (origin, to) => seen.push(`${origin} ${to}`) });
    for (let i = 0; i < 2; i += 1) await c.get(`${s.url}/`).catch(() => undefined);
    expect(seen).toEqual([`${s.url} open`]);
  });
});

describe('classifyStatus', () => {
  it.each([
    [500, 'retryable'],
    [503, 'retryable'],
    [408, 'retryable'],
    [425, 'retryable'],
    [429, 'retryable'],
    [400, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [301, 'permanent'],
  ])('%i is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

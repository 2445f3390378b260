import { classify, requestedDelayMs } from '@switch-telemetry/errors';
import { createLogger } from '@switch-telemetry/logging';
import { AbortedError, CircuitOpenError, HttpClient, HttpStatusError, TimeoutError, parseRetryAfter } from '../src';
import { startTestServer, type TestServer } from '../src/testing';

const log = createLogger({ app: 'test', level: 'silent' });
let server: TestServer;
let client: HttpClient;

beforeAll(async () => {
  server = await startTestServer((req, res) => {
    if (req.url === '/trickle') {
      // Headers at once, then a byte every 100 ms: each chunk is inside the
      // receive timeout, so only the total deadline can end it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/slow') {
      setTimeout(() => res.end('{}'), 2_000).unref();
      return;
    }
    res.end('{}');
  });
  client = new HttpClient({ log, receiveTimeoutMs: 1_000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('deadlines and aborts', () => {
  it('ends a body that trickles past the deadline', async () => {
    const started = Date.now();
    const error = await client.get(`${server.url}/trickle`, { deadlineMs: 500, maxAttempts: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.phase).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives up a request when the caller aborts it', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await client.get(`${server.url}/slow`, { signal: controller.signal }).catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(classify(error)).toBe('permanent');
  });
});

describe('what the job runtime reads from these errors', () => {
  it('sees the Retry-After of a 429 and the time left on an open breaker', () => {
    expect(requestedDelayMs(new HttpStatusError(429, '', 'http://x', 1_000))).toBe(1_000);
    expect(requestedDelayMs(new CircuitOpenError('http://x', 2_500))).toBe(2_500);
    expect(classify(new HttpStatusError(503, '', 'http://x'))).toBe('retryable');
    expect(classify(new HttpStatusError(422, '', 'http://x'))).toBe('permanent');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%p → %p ms', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});

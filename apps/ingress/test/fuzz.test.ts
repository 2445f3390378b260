import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { SECRETS, TOKENS, startIngress, type Ingress } from './harness';

// At least 1,000 malformed requests, each answered with a 4xx, and the server
// still serving afterwards. A seeded generator keeps a failure reproducible.
const ROUNDS = 1_100;
let seed = 0x5eed;
const rand = () => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const hex = (body: Buffer | string) => createHmac('sha256', SECRETS.hex).update(body).digest('hex');

let ingress: Ingress;
let port: number;
beforeAll(async () => {
  ingress = await startIngress({ bodyLimitBytes: 64 * 1024 });
  port = Number(new URL(ingress.url).port);
});
afterAll(() => ingress.close());

/** Writes raw bytes and returns the status of the first response line (0 when the server closed without one). */
function raw(bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0));
    };
    socket.setTimeout(5_000, done);
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (/^HTTP\/1\.1 \d{3}/.test(data)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    // Half-close only later: a client that closes its side before the answer
    // has, by HTTP/1.1's rules, given up on it (Node then answers nothing).
    // Bytes that never form a request get their EOF after a moment instead.
    socket.write(bytes);
    setTimeout(() => socket.end(), 1_000).unref();
  });
}

let lastRequest = '';
function request(method: string, path: string, headers: Record<string, string>, body: Buffer): Buffer {
  lastRequest = `${method} ${path} ${JSON.stringify(headers).slice(0, 200)} ${body.toString('latin1').slice(0, 50)}`;
  const head = [
    `${method} ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    'connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (!('content-length' in headers) && !('transfer-encoding' in headers)) head.push(`content-length: ${body.length}`);
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

const generators: Array<() => Buffer> = [
  // random bytes as the whole request
  () => randomBytes(1 + Math.floor(rand() * 2_000)),
  // random bytes as a webhook body, signed or not
  () => {
    const body = randomBytes(Math.floor(rand() * 4_000));
    return request(
      'POST',
      '/v1/webhooks/nms',
      { 'content-type': 'application/json', 'x-webhook-signature': rand() < 0.5 ? hex(body) : randomBytes(32).toString('hex') },
      body,
    );
  },
  // truncated JSON, correctly signed
  () => {
    const full = JSON.stringify({ event: 'device.created', device: { id: 'leaf-01', name: 'x'.repeat(Math.floor(rand() * 500)) } });
    const body = full.slice(0, Math.floor(rand() * (full.length - 1)));
    return request('POST', '/v1/webhooks/nms', { 'content-type': 'application/json', 'x-webhook-signature': hex(body) }, Buffer.from(body));
  },
  // a body in another encoding than UTF-8, correctly signed
  () => {
    const body = Buffer.from(JSON.stringify({ event: 'device.created', name: 'Zürich-ß-é' }), 'latin1');
    return request(
      'POST',
      '/v1/webhooks/nms',
      { 'content-type': 'application/json; charset=iso-8859-1', 'x-webhook-signature': hex(body) },
      body,
    );
  },
  // huge headers
  () =>
    request(
      'POST',
      '/v1/webhooks/nms',
      { 'content-type': 'application/json', 'x-filler': 'a'.repeat(20_000 + Math.floor(rand() * 50_000)) },
      Buffer.from('{}'),
    ),
  // absurd lengths
  () =>
    request(
      'POST',
      '/v1/webhooks/nms',
      { 'content-type': 'application/json', 'content-length': pick(['99999999999999', '-1', 'abc', '1e9']) },
      Buffer.from('{}'),
    ),
  () =>
    request(
      'POST',
      '/v1/webhooks/nms',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      Buffer.from('zz\r\nnot hex\r\n0\r\n\r\n'),
    ),
  // over the body limit
  () => {
    const body = Buffer.alloc(70 * 1024, 0x20);
    return request('POST', '/v1/webhooks/std', { 'content-type': 'application/json' }, body);
  },
  // wrong content types, odd methods and paths
  () =>
    request(
      pick(['POST', 'PUT', 'PATCH']),
      pick(['/v1/webhooks/nms', '/v1/devices']),
      { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data', '', 'application/json;;;']) },
      randomBytes(50),
    ),
  () =>
    request(
      pick(['GET', 'DELETE', 'TRACE', 'BREW']),
      pick([
        '/v1/webhooks/nms',
        `/${'x'.repeat(5_000)}`,
        '/v1/devices/%00%ff',
        '/v1/devices/..%2f..%2fetc',
        '/v1/../../',
        '/v1/devices?limit=-5&limit=x',
      ]),
      {},
      Buffer.alloc(0),
    ),
  // API calls with junk, with and without tokens
  () => {
    const body = Buffer.from(
      pick(['{"id":1}', '[]', 'null', '{"subnet":"999.1.1.1/24"}', '"str"', '{"id":"' + 'a'.repeat(10_000) + '"}', '\u0000\u0001']),
    );
    const token = pick([TOKENS.write, TOKENS.read, 'x', '']);
    return request(
      pick(['POST', 'PUT', 'PATCH']),
      pick(['/v1/devices', '/v1/devices/leaf-01', '/v1/discovery', '/v1/webhook-endpoints', '/v1/dead-jobs/x/retry']),
      {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    );
  },
  // signed payloads nested too deep, or with characters no field may hold
  () => {
    const levels = pick([100, 5_000, 20_000]);
    const body = pick([
      `{"event":"device.created","device":${'['.repeat(levels)}${']'.repeat(levels)}}`,
      JSON.stringify({
        event: 'device.created',
        device: { id: 'leaf-01', name: `x${pick(['\u0000', '\u001b', '\u0085', '\u202e', '\ud800'])}` },
      }),
    ]);
    return request('POST', '/v1/webhooks/nms', { 'content-type': 'application/json', 'x-webhook-signature': hex(body) }, Buffer.from(body));
  },
  // Standard Webhooks headers that are malformed
  () => {
    const body = Buffer.from('{"event":"device.created"}');
    return request(
      'POST',
      '/v1/webhooks/std',
      {
        'content-type': 'application/json',
        'webhook-id': pick(['', 'msg 1', 'x'.repeat(1_000), 'msg_1']),
        'webhook-timestamp': pick(['', 'now', '-5', '99999999999999999', String(Math.floor(Date.now() / 1_000))]),
        'webhook-signature': pick(['', 'v1,', 'v1,!!!', 'v2,abc', `v1,${randomBytes(32).toString('base64')}`]),
      },
      body,
    );
  },
];

it(`answers ${ROUNDS} malformed requests with a 4xx each and keeps serving`, async () => {
  const statuses = new Map<number, number>();
  const bad: Array<{ generator: number; status: number; request: string }> = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const g = i % generators.length;
    const status = await raw(generators[g]!());
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status < 400 || status >= 500) bad.push({ generator: g, status, request: lastRequest.slice(0, 300) });
  }
  expect(bad).toEqual([]);
  expect((await fetch(`${ingress.opsUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${ingress.opsUrl}/readyz`)).status).toBe(200);
  expect((await fetch(`${ingress.url}/v1/openapi.json`)).status).toBe(200);
  // Nothing bad reached the stream.
  expect(await ingress.count('jobs', 'jobs.default.webhook-process')).toBe(0);
}, 120_000);

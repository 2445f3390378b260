import { connect, type Socket } from 'node:net';
import { startIngress, type Ingress } from './harness';

const MAX_CONNECTIONS = 3;

let ingress: Ingress;
let port: number;
beforeAll(async () => {
  ingress = await startIngress({ maxConnections: MAX_CONNECTIONS });
  port = Number(new URL(ingress.url).port);
});
afterAll(() => ingress.close());

interface Client {
  socket: Socket;
  /** Everything received so far (latin1). */
  received(): string;
  /** Resolves with the milliseconds from connecting until the server closed the connection. */
  closed: Promise<number>;
}

function open(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => undefined); // a refused connection may end in ECONNRESET
    const closed = new Promise<number>((res) => socket.once('close', () => res(Date.now() - started)));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Sends a keep-alive GET and resolves with the status of the answer. */
async function get(client: Client, path: string): Promise<number> {
  const before = client.received().length;
  client.socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  const deadline = Date.now() + 2_000;
  for (;;) {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(client.received().slice(before));
    if (match) return Number(match[1]);
    if (client.socket.destroyed || Date.now() > deadline) return 0;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('slow and greedy clients', () => {
  it('closes connections above INGRESS_MAX_CONNECTIONS at once, while the open ones keep being served', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    for (const client of held) expect(await get(client, '/v1/openapi.json')).toBe(200);

    const extra = await open();
    const status = await get(extra, '/v1/openapi.json');
    expect(status).toBe(0);
    expect(await extra.closed).toBeLessThan(2_000);

    for (const client of held) expect(await get(client, '/v1/openapi.json')).toBe(200);
    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((c) => c.closed));

    // With room again, a new connection is served.
    await new Promise((r) => setTimeout(r, 100));
    const later = await open();
    expect(await get(later, '/v1/openapi.json')).toBe(200);
    later.socket.destroy();
  });

  it('cuts off a client that sends half a header block within 5-7 s', async () => {
    const client = await open();
    client.socket.write('POST /v1/webhooks/nms HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n');
    const elapsed = await client.closed;
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
    expect(elapsed).toBeLessThanOrEqual(7_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 15_000);
});

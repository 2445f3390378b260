import { createServer, type Server } from 'node:net';
import { parseSubnet, hostCount, hostsOf, probe, scanPorts, type ScanCounts } from '../src';

// Real TCP on loopback: listeners on 127.30.0.x, each address of the test's own.
const servers: Server[] = [];
async function listen(host: string): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as { port: number }).port;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('probe', () => {
  it('tells an open port from a refused one', async () => {
    const port = await listen('127.30.0.1');
    expect(await probe('127.30.0.1', port, 1_000)).toBe('open');
    expect(await probe('127.30.0.2', port, 1_000)).toBe('refused');
  });

  it('gives up when the caller aborts', async () => {
    const port = await listen('127.30.0.3');
    const controller = new AbortController();
    controller.abort();
    expect(await probe('127.30.0.3', port, 1_000, controller.signal)).toBe('error');
  });
});

describe('scanPorts', () => {
  it('probes every port of every host once, finds exactly the open ones, and counts each outcome', async () => {
    const a = await listen('127.30.1.10');
    const b = await listen('127.30.1.77');
    const subnet = parseSubnet('127.30.1.0/24')!;
    const found: string[] = [];
    const progress: ScanCounts[] = [];
    const counts = await scanPorts({
      hosts: hostsOf(subnet),
      total: hostCount(subnet),
      ports: [a, b],
      concurrency: 64,
      timeoutMs: 1_000,
      onOpen: (host, port) => found.push(`${host}:${port}`),
      onProgress: (c) => progress.push(c),
      progressEveryMs: 0,
    });
    expect(found.sort()).toEqual([`127.30.1.10:${a}`, `127.30.1.77:${b}`].sort());
    expect(counts).toEqual({ probed: 254, total: 254, open: 2, refused: 254 * 2 - 2, timeout: 0, errors: 0 });
    expect(progress.at(-1)).toEqual(counts);
    expect(progress.map((p) => p.probed)).toEqual([...progress.map((p) => p.probed)].sort((x, y) => x - y));
  });

  it('holds the global rate cap', async () => {
    const subnet = parseSubnet('127.30.2.0/26')!;
    const started = Date.now();
    const counts = await scanPorts({ hosts: hostsOf(subnet), total: hostCount(subnet), ports: [9], ratePerS: 200, concurrency: 64 });
    // 62 probes at 200/s: the last may start after 305 ms, no sooner.
    expect(counts.probed).toBe(62);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('stops early when cancelled, and says how far it got', async () => {
    const subnet = parseSubnet('127.30.3.0/24')!;
    const controller = new AbortController();
    const counts = await scanPorts({
      hosts: hostsOf(subnet),
      total: hostCount(subnet),
      ports: [9],
      ratePerS: 500,
      concurrency: 4,
      signal: controller.signal,
      onProgress: (c) => c.probed >= 20 && controller.abort(),
      progressEveryMs: 0,
    });
    expect(counts.probed).toBeLessThan(254);
    expect(counts.probed).toBeGreaterThanOrEqual(20);
  });
});

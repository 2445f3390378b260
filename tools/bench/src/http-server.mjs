// The target of the http bench, in its own process so the client under test
// has a core to itself: a keep-alive server answering a small JSON body.
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true, device: 'leaf-01', ts: 1764201600123 });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

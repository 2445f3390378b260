// The baseline of the ingress bench: a bare node:http server that reads the
// request body and answers 202 with a small JSON body, in its own process.
import { createServer } from 'node:http';

const answer = JSON.stringify({ status: 'accepted', id: 'bare' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

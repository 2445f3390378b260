import { createServer, type Server, type Socket } from 'node:net';

/** A TCP service that is neither gNMI nor NETCONF (it greets like a mail server), for scans to find and not identify. */
export interface OtherService {
  readonly port: number;
  /** Connections open now (a scan must leave none). */
  readonly open: number;
  close(): Promise<void>;
}

export async function startOtherService(host: string, port = 0): Promise<OtherService> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // A server reads what it is sent: one that does not never sees the client close.
    socket.resume();
    socket.end('220 mail.example ESMTP not a switch\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    get open() {
      return sockets.size;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

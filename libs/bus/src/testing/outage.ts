import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A network outage on demand: a TCP relay on 127.0.0.1 to a server (NATS,
 * PostgreSQL) that a test cuts — every open connection reset, new ones
 * closed at once — and restores, as a server that went away, or a link to
 * it that broke, looks from the client. Point the client at `port`.
 */
export class TcpOutage {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  protected constructor(
    private readonly server: Server,
    protected readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpOutage> {
    const outage = new TcpOutage(createServer(), target);
    await outage.listen();
    return outage;
  }

  protected async listen(): Promise<void> {
    this.server.on('connection', (client) => {
      if (this.cut) return void client.destroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((res) => this.server.listen(0, '127.0.0.1', res));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  down(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  up(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.down();
    return new Promise((res) => this.server.close(() => res()));
  }
}

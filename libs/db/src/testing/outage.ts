import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A PostgreSQL outage on demand: a TCP relay to the test database that the
 * test cuts (every open connection reset, new ones closed at once) and
 * restores, as a database that went away and came back looks from an app.
 * Point the app at `url`.
 */
export class PostgresOutage {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(databaseUrl: string): Promise<PostgresOutage> {
    const target = new URL(databaseUrl);
    const server = createServer((client) => {
      if (outage.cut) return void client.destroy();
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        outage.sockets.add(s);
        s.on('close', () => outage.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    const outage = new PostgresOutage(server, target);
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    return outage;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The test database's URL, through the relay. */
  get url(): string {
    const url = new URL(this.target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
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

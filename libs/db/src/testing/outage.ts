import { createServer } from 'node:net';
import { TcpOutage } from '@switch-telemetry/bus/testing';

/** A PostgreSQL outage on demand (a TcpOutage to the test database): point the app at `url`. */
export class PostgresOutage extends TcpOutage {
  private readonly databaseUrl: URL;

  private constructor(databaseUrl: URL) {
    super(createServer(), { host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) });
    this.databaseUrl = databaseUrl;
  }

  static async forDatabase(databaseUrl: string): Promise<PostgresOutage> {
    const outage = new PostgresOutage(new URL(databaseUrl));
    await outage.listen();
    return outage;
  }

  /** The test database's URL, through the relay. */
  get url(): string {
    const url = new URL(this.databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}

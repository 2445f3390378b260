import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scheme } from '@switch-telemetry/webhook-signatures';
import { Webhook } from 'standardwebhooks';

/** What the receiver answers: a status, or `hang` (never answer). */
export type Answer = number | 'hang' | { status: number; headers?: Record<string, string>; body?: string };

export interface Received {
  path: string;
  /** `webhook-id`, `x-webhook-id` or `x-github-delivery`, whichever the scheme sends. */
  id: string;
  body: string;
  headers: IncomingMessage['headers'];
  /** The signature checked out with the path's secret (standardwebhooks for the standard scheme). */
  verified: boolean;
  status: number | 'hang';
  at: number;
}

interface Route {
  scheme: Scheme;
  secret: string;
}

/**
 * A webhook receiver as receivers write them: one HTTP server, one path per
 * endpoint with its scheme and secret; every request's signature is checked
 * (Standard Webhooks with the `standardwebhooks` package), deliveries are
 * de-duplicated by id, and the answer is whatever the test sets.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Deliveries answered 2xx, once per id. */
  readonly delivered = new Map<string, Received>();
  /** 2xx answers to an id already delivered. */
  duplicates = 0;
  badSignatures = 0;
  answer: Answer | ((req: Received) => Answer) = 200;
  private readonly routes = new Map<string, Route>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  /** Listens on `host` (a loopback address of the test's own) and a free port. */
  static async start(host = '127.0.0.1'): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => receiver.handle(req, res));
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    return receiver;
  }

  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address}:${port}`;
  }

  /** Adds an endpoint's path; answers its URL. */
  route(path: string, scheme: Scheme, secret: string): string {
    this.routes.set(path, { scheme, secret });
    return `${this.url}${path}`;
  }

  /** Deliveries received (2xx answered) on one path. */
  deliveredTo(path: string): Received[] {
    return [...this.delivered.values()].filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const route = this.routes.get(path);
      const header = (name: string) => [req.headers[name]].flat()[0] ?? '';
      const id = header('webhook-id') || header('x-webhook-id') || header('x-github-delivery');
      const verified = route !== undefined && verify(route, req.headers, body);
      if (!verified) this.badSignatures += 1;
      const entry: Received = { path, id, body, headers: req.headers, verified, status: 0, at: Date.now() };
      const answer = typeof this.answer === 'function' ? this.answer(entry) : this.answer;
      this.received.push(entry);
      if (answer === 'hang') {
        entry.status = 'hang';
        this.hanging.add(res);
        res.once('close', () => this.hanging.delete(res));
        return;
      }
      const { status, headers, body: text } = typeof answer === 'number' ? { status: answer, headers: {}, body: '' } : answer;
      entry.status = status;
      if (status >= 200 && status < 300 && verified) {
        if (this.delivered.has(id)) this.duplicates += 1;
        else this.delivered.set(id, entry);
      }
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(text ?? '');
    });
  }
}

function verify(route: Route, headers: IncomingMessage['headers'], body: string): boolean {
  const first = (name: string) => [headers[name]].flat()[0] ?? '';
  try {
    switch (route.scheme) {
      case 'standard':
        new Webhook(route.secret).verify(body, {
          'webhook-id': first('webhook-id'),
          'webhook-timestamp': first('webhook-timestamp'),
          'webhook-signature': first('webhook-signature'),
        });
        return true;
      case 'hex':
        return same(first('x-webhook-signature'), createHmac('sha256', route.secret).update(body).digest('hex'));
      case 'github':
        return same(first('x-hub-signature-256'), `sha256=${createHmac('sha256', route.secret).update(body).digest('hex')}`);
    }
  } catch {
    return false;
  }
}

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

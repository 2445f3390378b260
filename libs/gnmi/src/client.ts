import { readFileSync } from 'node:fs';
import { Metadata, credentials, status as GrpcStatus, type ChannelCredentials, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from '@switch-telemetry/logging';
import { GnmiConfigError, GnmiConnectError, fromGrpcError } from './errors';
import { gnmiService } from './proto';
import type { CapabilityResponse, GetRequest, GetResponse, Notification, SubscribeRequest, SubscribeResponse, SubscriptionList } from './types';

// Defaults (the seed's where it has them), with units.
export const CONNECT_TIMEOUT_MS = 5_000;
export const KEEPALIVE_MS = 60_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;
export const RPC_TIMEOUT_MS = 10_000;
/** gNMI messages can be large (a whole Get of a chassis). */
export const MAX_MESSAGE_BYTES = 64 * 1_048_576;

export interface TlsOptions {
  /** PEM file of the CA that signed the target's certificate; the system roots when absent. */
  caFile?: string;
  /** Client certificate and key (mutual TLS). */
  certFile?: string;
  keyFile?: string;
  /** The name the target's certificate must carry, when it differs from the address. */
  serverName?: string;
  /** Accept any certificate. Only when asked for explicitly; logged as a warning. */
  insecureSkipVerify?: boolean;
}

export interface GnmiClientOptions {
  /** `host:port`. */
  address: string;
  username?: string;
  password?: string;
  /** TLS options, or `false` for plaintext (explicit: gNMI targets normally speak TLS). */
  tls: TlsOptions | false;
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  rpcTimeoutMs?: number;
  log: Logger;
}

/** What a subscription yields: a Notification, or the target's sync_response. */
export type SubscribeEvent = { kind: 'update'; notification: Notification } | { kind: 'sync' };

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new GnmiConfigError(`cannot read the ${what} ${file}`, { cause });
  }
}

function credentialsFor(options: GnmiClientOptions): ChannelCredentials {
  if (options.tls === false) return credentials.createInsecure();
  const tls = options.tls;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new GnmiConfigError('certFile and keyFile go together');
  if (tls.insecureSkipVerify) {
    options.log.warn({ address: options.address }, 'TLS certificate verification is OFF for this target, as configured');
  }
  return credentials.createSsl(
    tls.caFile ? readPem(tls.caFile, 'CA file') : null,
    tls.keyFile ? readPem(tls.keyFile, 'key file') : null,
    tls.certFile ? readPem(tls.certFile, 'certificate file') : null,
    tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
}

/**
 * A gNMI client for one target: Capabilities, Get, Subscribe (STREAM, ONCE,
 * POLL). Every unary call has a deadline; errors are GnmiRpcError with the
 * gRPC status classified; a subscription is consumed with `for await`, which
 * pauses the stream (HTTP/2 flow control) while the consumer is busy.
 */
export class GnmiClient {
  private readonly client: Client & Record<string, (...args: unknown[]) => unknown>;
  private readonly rpcTimeoutMs: number;

  constructor(private readonly options: GnmiClientOptions) {
    const { service } = gnmiService();
    const channelOptions: Record<string, string | number> = {
      'grpc.keepalive_time_ms': options.keepaliveMs ?? KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      // Reconnects are the supervisor's decision (it backs off with jitter), not the channel's.
      'grpc.enable_retries': 0,
    };
    if (options.tls && options.tls.serverName) {
      channelOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
      channelOptions['grpc.default_authority'] = options.tls.serverName;
    }
    this.client = new service(options.address, credentialsFor(options), channelOptions) as unknown as GnmiClient['client'];
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? RPC_TIMEOUT_MS;
  }

  private metadata(): Metadata {
    const md = new Metadata();
    if (this.options.username !== undefined) md.set('username', this.options.username);
    if (this.options.password !== undefined) md.set('password', this.options.password);
    return md;
  }

  /** Resolves once the channel is connected; GnmiConnectError after the connect timeout (seed: 5 s). */
  connect(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) =>
        error ? reject(new GnmiConnectError(`${this.options.address} did not connect within ${timeoutMs} ms`, { cause: error })) : resolve(),
      );
    });
  }

  private unary<Req, Res>(method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client[method]!(request, this.metadata(), { deadline: Date.now() + this.rpcTimeoutMs }, (error: ServiceError | null, response: Res) =>
        error ? reject(fromGrpcError(error)) : resolve(response),
      );
    });
  }

  capabilities(): Promise<CapabilityResponse> {
    return this.unary('Capabilities', {});
  }

  get(request: GetRequest): Promise<GetResponse> {
    return this.unary('Get', request);
  }

  /** Opens a Subscribe stream with this subscription list. */
  subscribe(list: SubscriptionList): GnmiSubscription {
    const call = (this.client.Subscribe as (md: Metadata) => ClientDuplexStream<SubscribeRequest, SubscribeResponse>)(this.metadata());
    call.write({ subscribe: list });
    return new GnmiSubscription(call);
  }

  close(): void {
    this.client.close();
  }
}

/** One Subscribe stream. Iterate it; `poll()` for POLL mode; `cancel()` ends it cleanly. */
export class GnmiSubscription implements AsyncIterable<SubscribeEvent> {
  private cancelled = false;

  constructor(private readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>) {
    // Errors surface through iteration; this keeps an unconsumed error from crashing the process.
    call.on('error', () => undefined);
  }

  /** Asks a POLL subscription for a fresh set of values. */
  poll(): void {
    this.call.write({ poll: {} });
  }

  /** Ends the stream; iteration finishes without an error. */
  cancel(): void {
    this.cancelled = true;
    this.call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscribeEvent> {
    try {
      for await (const response of this.call as AsyncIterable<SubscribeResponse>) {
        if (response.response === 'update' && response.update) yield { kind: 'update', notification: response.update };
        else if (response.response === 'sync_response' && response.sync_response) yield { kind: 'sync' };
      }
    } catch (error) {
      if (this.cancelled && (error as { code?: number }).code === GrpcStatus.CANCELLED) return;
      throw fromGrpcError(error);
    } finally {
      if (!this.cancelled) {
        this.cancelled = true;
        this.call.cancel();
      }
    }
  }
}

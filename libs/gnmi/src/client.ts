import {
  Metadata,
  credentials,
  status as GrpcStatus,
  type ChannelCredentials,
  type Client,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { readBoundedFileSync } from '@switch-telemetry/config';
import type { ServiceDefinition } from '@grpc/proto-loader';
import type { Logger } from '@switch-telemetry/logging';
import { GnmiConfigError, GnmiConnectError, fromGrpcError } from './errors';
import { gnmiService } from './proto';
import { redact } from './redact';
import type {
  CapabilityResponse,
  GetRequest,
  GetResponse,
  Notification,
  SubscribeRequest,
  SubscribeResponse,
  SubscriptionList,
} from './types';

// Defaults, with units.
export const CONNECT_TIMEOUT_MS = 5_000;
export const KEEPALIVE_MS = 60_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;
export const RPC_TIMEOUT_MS = 10_000;
/** gNMI messages can be large (a whole Get of a chassis). */
export const MAX_MESSAGE_BYTES = 64 * 1_048_576;
/** Largest CA, certificate or key file read (a long CA bundle is a few hundred KiB). */
export const TLS_FILE_MAX_BYTES = 1_048_576;
/** Longest username or password sent as metadata. */
export const MAX_CREDENTIAL_LENGTH = 1_024;

export interface TlsOptions {
  /** PEM file of the CA that signed the target's certificate (at most 1 MiB); the system roots when neither this nor `ca` is given. */
  caFile?: string;
  /** PEM content of the CA, for callers that read the file themselves (instead of `caFile`). */
  ca?: Buffer | string;
  /** Client certificate and key files (mutual TLS), at most 1 MiB each. */
  certFile?: string;
  keyFile?: string;
  /** Client certificate and key as PEM content (mutual TLS), instead of the files. */
  cert?: Buffer | string;
  key?: Buffer | string;
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

/** The PEM content given inline or read (bounded) from its file; null when neither is set. */
function pemOf(
  content: Buffer | string | undefined,
  file: string | undefined,
  what: string,
  contentName: string,
  fileName: string,
): Buffer | null {
  if (content !== undefined && file !== undefined) throw new GnmiConfigError(`give ${contentName} or ${fileName}, not both`);
  if (content !== undefined) return Buffer.isBuffer(content) ? content : Buffer.from(content);
  if (file === undefined) return null;
  try {
    return readBoundedFileSync(file, { maxBytes: TLS_FILE_MAX_BYTES, what });
  } catch (cause) {
    throw new GnmiConfigError(
      `cannot use the ${what} ${JSON.stringify(file)}: ${(cause as { details?: { why?: string } }).details?.why ?? 'unreadable'}`,
      { cause },
    );
  }
}

function credentialsFor(options: GnmiClientOptions): ChannelCredentials {
  if (options.tls === false) return credentials.createInsecure();
  const tls = options.tls;
  const ca = pemOf(tls.ca, tls.caFile, 'CA file', 'ca', 'caFile');
  const cert = pemOf(tls.cert, tls.certFile, 'certificate file', 'cert', 'certFile');
  const key = pemOf(tls.key, tls.keyFile, 'key file', 'key', 'keyFile');
  if ((cert === null) !== (key === null))
    throw new GnmiConfigError('a client certificate and its key go together (cert/certFile with key/keyFile)');
  if (tls.insecureSkipVerify) {
    options.log.warn({ address: options.address }, 'TLS certificate verification is OFF for this target, as configured');
  }
  try {
    return credentials.createSsl(
      ca,
      key,
      cert,
      tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
    );
  } catch (cause) {
    // OpenSSL's reasons ("no start line", "key values mismatch") name no key material; the cause (a parser error) is left out all the same.
    const reason = (cause as { code?: unknown }).code;
    throw new GnmiConfigError(
      `the TLS CA, certificate or key cannot be used${typeof reason === 'string' ? ` (${reason})` : ''}: ${redact((cause as Error).message ?? '', pemSecrets(key))}`,
    );
  }
}

/** Lines of a PEM key long enough to be key material, to keep out of error text. */
function pemSecrets(key: Buffer | null): string[] {
  if (!key) return [];
  return key
    .toString()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Refuses a username or password grpc-js would not send as metadata (its own
 * error quotes the value), or one too long: the message names the field and
 * the rule, never the value.
 */
function checkCredential(field: 'username' | 'password', value: string | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'string') throw new GnmiConfigError(`the ${field} must be a string`, { details: { field } });
  if (value.length > MAX_CREDENTIAL_LENGTH)
    throw new GnmiConfigError(`the ${field} is longer than ${MAX_CREDENTIAL_LENGTH} characters`, {
      details: { field, problem: 'too long' },
    });
  if (!PRINTABLE_ASCII.test(value))
    throw new GnmiConfigError(`the ${field} has characters outside printable ASCII (0x20-0x7E)`, {
      details: { field, problem: 'not printable ASCII' },
    });
}

/**
 * A gNMI client for one target: Capabilities, Get, Subscribe (STREAM, ONCE,
 * POLL). Every unary call has a deadline; errors are GnmiRpcError with the
 * gRPC status classified; a subscription is consumed with `for await`, which
 * pauses the stream (HTTP/2 flow control) while the consumer is busy.
 * Credentials and TLS files are checked here (GnmiConfigError), before any
 * call; no error it raises carries the password.
 */
export class GnmiClient {
  private readonly client: Client & Record<string, (...args: unknown[]) => unknown>;
  private readonly rpcTimeoutMs: number;
  private readonly credentials: Metadata;
  private readonly secrets: string[];

  constructor(private readonly options: GnmiClientOptions) {
    checkCredential('username', options.username);
    checkCredential('password', options.password);
    this.secrets = options.password ? [options.password] : [];
    this.credentials = new Metadata();
    try {
      if (options.username !== undefined) this.credentials.set('username', options.username);
      if (options.password !== undefined) this.credentials.set('password', options.password);
    } catch {
      // checkCredential should have caught this; grpc-js's text quotes the value, so it is not kept.
      throw new GnmiConfigError('the username or password cannot be sent as gRPC metadata');
    }
    const { service } = gnmiService();
    const channelOptions: Record<string, string | number> = {
      'grpc.keepalive_time_ms': options.keepaliveMs ?? KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      // Reconnects are the supervisor's decision (it backs off with jitter), not the channel's.
      'grpc.enable_retries': 0,
      // A pool per channel (one channel per target): grpc-js's global pool keeps every target it ever saw
      // and sweeps them all every 10 s, which at thousands of targets was a tenth of the collector's CPU.
      'grpc.use_local_subchannel_pool': 1,
    };
    if (options.tls && options.tls.serverName) {
      channelOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
      channelOptions['grpc.default_authority'] = options.tls.serverName;
    }
    this.client = new service(options.address, credentialsFor(options), channelOptions) as unknown as GnmiClient['client'];
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? RPC_TIMEOUT_MS;
  }

  /** A fresh copy of the credentials for one call (grpc-js may add to what it is given). */
  private metadata(): Metadata {
    return this.credentials.clone();
  }

  /** Resolves once the channel is connected; GnmiConnectError after the connect timeout (5 s). */
  connect(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) =>
        error
          ? reject(new GnmiConnectError(`${this.options.address} did not connect within ${timeoutMs} ms`, { cause: error }))
          : resolve(),
      );
    });
  }

  private unary<Req, Res>(method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      try {
        this.client[method]!(
          request,
          this.metadata(),
          { deadline: Date.now() + this.rpcTimeoutMs },
          (error: ServiceError | null, response: Res) => (error ? reject(fromGrpcError(error, this.secrets)) : resolve(response)),
        );
      } catch (error) {
        reject(fromGrpcError(error, this.secrets));
      }
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
    return new GnmiSubscription(call, this.secrets);
  }

  /**
   * Opens a Subscribe stream whose responses arrive as their protobuf bytes,
   * undecoded (for subscribeResponseToJson: no object tree per message).
   */
  subscribeRaw(list: SubscriptionList): GnmiRawSubscription {
    const subscribe = (gnmiService().definition['gnmi.gNMI'] as ServiceDefinition).Subscribe!;
    const call = this.client.makeBidiStreamRequest(
      subscribe.path,
      subscribe.requestSerialize,
      (bytes: Buffer) => bytes,
      this.metadata(),
    ) as ClientDuplexStream<SubscribeRequest, Buffer>;
    call.write({ subscribe: list });
    return new GnmiRawSubscription(call, this.secrets);
  }

  close(): void {
    this.client.close();
  }
}

/**
 * One Subscribe stream delivering raw SubscribeResponse bytes to a callback.
 * A callback that returns a promise pauses the stream until it settles
 * (HTTP/2 flow control then holds the target back); one that throws ends it.
 */
export class GnmiRawSubscription {
  private cancelled = false;

  constructor(
    private readonly call: ClientDuplexStream<SubscribeRequest, Buffer>,
    private readonly secrets: string[] = [],
  ) {
    call.on('error', () => undefined);
  }

  /** Resolves when the target ends the stream or it is cancelled; rejects with its error otherwise. */
  run(onMessage: (bytes: Buffer) => void | Promise<void>): Promise<void> {
    const call = this.call;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
        if (!this.cancelled) this.cancel();
      };
      const resume = () => {
        if (!settled) call.resume();
      };
      call.on('data', (bytes: Buffer) => {
        if (settled) return;
        let wait: void | Promise<void>;
        try {
          wait = onMessage(bytes);
        } catch (error) {
          return finish(error);
        }
        if (wait) {
          call.pause();
          wait.then(resume, finish);
        }
      });
      call.on('error', (error: { code?: number }) =>
        finish(this.cancelled && error.code === GrpcStatus.CANCELLED ? undefined : fromGrpcError(error, this.secrets)),
      );
      call.on('end', () => finish());
    });
  }

  /** Ends the stream; run() resolves. */
  cancel(): void {
    this.cancelled = true;
    this.call.cancel();
  }
}

/** One Subscribe stream. Iterate it; `poll()` for POLL mode; `cancel()` ends it cleanly. */
export class GnmiSubscription implements AsyncIterable<SubscribeEvent> {
  private cancelled = false;

  constructor(
    private readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>,
    /** Texts to keep out of errors (the password), should the target echo them. */
    private readonly secrets: string[] = [],
  ) {
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
      throw fromGrpcError(error, this.secrets);
    } finally {
      if (!this.cancelled) {
        this.cancelled = true;
        this.call.cancel();
      }
    }
  }
}

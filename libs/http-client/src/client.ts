import type { LookupFunction } from 'node:net';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { HTTP_BACKOFF, PERMANENT, backoffDelayMs, classify, isSwitchTelemetryError, type BackoffPolicy } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  BREAKER_FAILURE_THRESHOLD,
  BREAKER_RESET_TIMEOUT_MS,
  BreakerRegistry,
  MAX_BREAKERS,
  type BreakerState,
  type BreakerStateName,
} from './breakers';
import {
  AbortedError,
  BODY_EXCERPT_BYTES,
  CircuitOpenError,
  ConnectionError,
  DecodeError,
  HttpStatusError,
  InvalidRequestError,
  ResponseTooLargeError,
  TimeoutError,
} from './errors';
import { AttemptDeadline, DeadlineWatch } from './deadline-watch';
import { parseRetryAfter } from './retry-after';

// Defaults, named with their units.
/** 25 connections × 4 pools per origin. */
export const CONNECTIONS_PER_ORIGIN = 100;
export const CONNECT_TIMEOUT_MS = 5_000;
/** 5 s receive timeout, for the headers and for each body chunk. */
export const RECEIVE_TIMEOUT_MS = 5_000;
export const KEEP_ALIVE_TIMEOUT_MS = 4_000;
/** Three retries: four attempts in all. */
export const MAX_ATTEMPTS = 4;
/** All attempts and waits of one call together. */
export const DEADLINE_MS = 30_000;
/** A server's Retry-After is honoured up to this. */
export const RETRY_AFTER_CAP_MS = 30_000;
export const MAX_RESPONSE_BYTES = 1_048_576;

const URL_CACHE_SIZE = 1_024;
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
/** How a 2xx body is read: parsed JSON, the whole text, its first BODY_EXCERPT_BYTES as text (the rest discarded), or not at all. */
export type Expect = 'json' | 'text' | 'excerpt' | 'none';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON (content-type set). */
  json?: unknown;
  /** Sent as is. */
  body?: string | Uint8Array;
  /** How to read a 2xx body: JSON (default), text, or not at all. */
  expect?: Expect;
  /** A POST/PATCH is retried only when marked idempotent or given an idempotency key. */
  idempotent?: boolean;
  /** Sent as `Idempotency-Key`; makes the request retryable. */
  idempotencyKey?: string;
  maxAttempts?: number;
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  attempts: number;
}

export interface HttpClientOptions {
  log: Logger;
  registry?: Registry;
  connectionsPerOrigin?: number;
  connectTimeoutMs?: number;
  receiveTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxAttempts?: number;
  deadlineMs?: number;
  backoff?: BackoffPolicy;
  retryAfterCapMs?: number;
  maxResponseBytes?: number;
  breakerFailureThreshold?: number;
  breakerResetTimeoutMs?: number;
  maxBreakers?: number;
  /** Injectable randomness for the jitter. */
  random?: () => number;
  /**
   * Resolves host names for new connections (a guard that refuses some
   * addresses, as the notifier's does): the socket connects to what it
   * returns. An error of ours it raises reaches the caller as it is.
   */
  lookup?: LookupFunction;
  /** Told of every breaker state change (events, logs of the caller's own). */
  onBreakerTransition?: (origin: string, to: BreakerStateName) => void;
}

type RequestOptions = Omit<HttpRequest, 'method' | 'url' | 'json'>;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InvalidRequestError(`${name} must be a positive, finite number (got ${v})`);
  return v;
}

/**
 * The one outbound HTTP client of a process: an undici Agent with bounded
 * pools per origin and explicit timeouts, retries with the errors lib's backoff for
 * retryable failures only, a circuit breaker per origin, typed errors.
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly deadlines = new DeadlineWatch();
  private readonly urls = new Map<string, URL>();
  private readonly breakers: BreakerRegistry;
  private readonly o: Required<Omit<HttpClientOptions, 'registry' | 'log' | 'random' | 'lookup' | 'onBreakerTransition'>>;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly metrics: { requests: Counter<'method' | 'outcome'>; transitions: Counter<'to'> } | undefined;
  /** Counter children by "method outcome": prom-client hashes the labels on every call otherwise. */
  private readonly counters = new Map<string, { inc(): void }>();

  constructor(options: HttpClientOptions) {
    this.log = options.log;
    this.random = options.random ?? Math.random;
    this.o = {
      connectionsPerOrigin: positive('connectionsPerOrigin', options.connectionsPerOrigin, CONNECTIONS_PER_ORIGIN),
      connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, CONNECT_TIMEOUT_MS),
      receiveTimeoutMs: positive('receiveTimeoutMs', options.receiveTimeoutMs, RECEIVE_TIMEOUT_MS),
      keepAliveTimeoutMs: positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs, KEEP_ALIVE_TIMEOUT_MS),
      maxAttempts: positive('maxAttempts', options.maxAttempts, MAX_ATTEMPTS),
      deadlineMs: positive('deadlineMs', options.deadlineMs, DEADLINE_MS),
      backoff: options.backoff ?? HTTP_BACKOFF,
      retryAfterCapMs: positive('retryAfterCapMs', options.retryAfterCapMs, RETRY_AFTER_CAP_MS),
      maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes, MAX_RESPONSE_BYTES),
      breakerFailureThreshold: positive('breakerFailureThreshold', options.breakerFailureThreshold, BREAKER_FAILURE_THRESHOLD),
      breakerResetTimeoutMs: positive('breakerResetTimeoutMs', options.breakerResetTimeoutMs, BREAKER_RESET_TIMEOUT_MS),
      maxBreakers: positive('maxBreakers', options.maxBreakers, MAX_BREAKERS),
    };
    this.agent = new Agent({
      connections: this.o.connectionsPerOrigin,
      connect: { timeout: this.o.connectTimeoutMs, ...(options.lookup ? { lookup: options.lookup } : {}) },
      headersTimeout: this.o.receiveTimeoutMs,
      bodyTimeout: this.o.receiveTimeoutMs,
      keepAliveTimeout: this.o.keepAliveTimeoutMs,
      maxResponseSize: this.o.maxResponseBytes,
    });
    this.metrics = options.registry ? this.createMetrics(options.registry) : undefined;
    this.breakers = new BreakerRegistry(
      { failureThreshold: this.o.breakerFailureThreshold, resetTimeoutMs: this.o.breakerResetTimeoutMs, maxBreakers: this.o.maxBreakers },
      // Only failures that say the server is unwell count: 4xx, decode errors and the like do not.
      (error) => classify(error) !== PERMANENT,
      options.log.child({ component: 'http-breakers' }),
      (origin, to) => {
        this.metrics?.transitions.inc({ to });
        options.onBreakerTransition?.(origin, to);
      },
    );
  }

  get<T = unknown>(url: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>({ ...options, method: 'GET', url });
  }

  post<T = unknown>(url: string, json: unknown, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>({ ...options, method: 'POST', url, json });
  }

  /** Every breaker's state (for /readyz and the API). */
  breakerStates(): BreakerState[] {
    return this.breakers.states();
  }

  async close(): Promise<void> {
    this.breakers.close();
    this.deadlines.close();
    await this.agent.close();
  }

  /**
   * Sends the request, retrying retryable failures with backoff (a server's
   * Retry-After wins) within the deadline. Resolves with a 2xx response;
   * everything else rejects with one of this lib's typed errors.
   */
  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const url = this.parseUrl(req.url);
    if (req.json !== undefined && req.body !== undefined) throw new InvalidRequestError('set json or body, not both');

    const origin = url.origin;
    const maxAttempts = req.maxAttempts ?? this.o.maxAttempts;
    const deadline = Date.now() + (req.deadlineMs ?? this.o.deadlineMs);
    const retriesAllowed = IDEMPOTENT_METHODS.has(req.method) || req.idempotent === true || req.idempotencyKey !== undefined;
    // Copied only when we add to it; the caller's object is never written.
    let headers: Record<string, string> | undefined = req.headers;
    let body: string | Uint8Array | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers = { 'content-type': 'application/json', ...headers };
    }
    if (req.idempotencyKey !== undefined) headers = { ...headers, 'idempotency-key': req.idempotencyKey };

    const send = (remainingMs: number) => this.send<T>(req, url, origin, headers, body, remainingMs);
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (req.signal?.aborted) throw new AbortedError('the caller aborted the request');
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new TimeoutError(`${origin}: deadline passed`, 'deadline');
        const response = await this.breakers.fire(origin, () => send(remaining));
        this.count(req.method, '2xx');
        response.attempts = attempt;
        return response;
      } catch (caught) {
        const error =
          (caught as { code?: string }).code === 'EOPENBREAKER' ? new CircuitOpenError(origin, this.breakers.msUntilTrial(origin)) : caught;
        this.count(req.method, outcomeOf(error));
        const wait = this.retryWait(error, attempt, maxAttempts, retriesAllowed, deadline);
        if (wait === undefined) throw error;
        this.log.debug({ origin, attempt, waitMs: wait, err: error }, 'http request failed; retrying');
        await sleep(wait, req.signal);
      }
    }
  }

  /** Parses (and remembers, up to URL_CACHE_SIZE) a request URL; a process sends to few distinct URLs. */
  private parseUrl(raw: string): URL {
    const cached = this.urls.get(raw);
    if (cached) return cached;
    let url: URL;
    try {
      url = new URL(raw);
    } catch (cause) {
      // The text is not repeated: a URL's path and query may hold a secret.
      throw new InvalidRequestError(`not a URL (${String(raw).length} characters)`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidRequestError(`unsupported scheme ${url.protocol}`);
    if (this.urls.size >= URL_CACHE_SIZE) this.urls.clear();
    this.urls.set(raw, url);
    return url;
  }

  /** How long to wait before the next attempt, or undefined when this failure is final. */
  private retryWait(error: unknown, attempt: number, maxAttempts: number, retriesAllowed: boolean, deadline: number): number | undefined {
    if (attempt >= maxAttempts) return undefined;
    if (classify(error) === PERMANENT) return undefined;
    // Fail fast while the breaker is open: that is its purpose. The caller (a job) retries later.
    if (error instanceof CircuitOpenError) return undefined;
    // A request that may have reached the server is repeated only when that is safe.
    const neverSent = error instanceof ConnectionError && error.phase === 'connect';
    if (!retriesAllowed && !neverSent) return undefined;
    if (error instanceof TimeoutError && error.phase === 'deadline') return undefined;
    const asked = (error as { retryAfterMs?: number }).retryAfterMs;
    const wait = asked !== undefined ? Math.min(asked, this.o.retryAfterCapMs) : backoffDelayMs(this.o.backoff, attempt, this.random);
    if (Date.now() + wait >= deadline) return undefined;
    return wait;
  }

  private async send<T>(
    req: HttpRequest,
    url: URL,
    origin: string,
    headers: Record<string, string> | undefined,
    body: string | Uint8Array | undefined,
    remainingMs: number,
  ): Promise<HttpResponse<T>> {
    // Each phase is bounded by undici (connect, headers, body chunks) and the
    // headers wait is cut to what is left of the deadline; the shared deadline
    // watch ends the body read. Only when even the connect timeout could
    // overrun the deadline does the request carry a signal of ours: one per
    // request cost more than the rest of this client's overhead together.
    const deadline = new AttemptDeadline();
    if (remainingMs < this.o.connectTimeoutMs) deadline.controller = new AbortController();
    const own = deadline.controller?.signal;
    const signal = req.signal && own ? AbortSignal.any([req.signal, own]) : (req.signal ?? own);
    this.deadlines.watch(deadline, remainingMs);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: remainingMs < this.o.receiveTimeoutMs ? remainingMs : this.o.receiveTimeoutMs,
        signal,
      });
    } catch (error) {
      this.deadlines.unwatch(deadline);
      throw mapTransportError(error, origin, req.signal, deadline.expired);
    }
    deadline.body = res.body;
    if (deadline.expired) deadline.expire();
    try {
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const excerpt = await readExcerpt(res.body);
        const retryAfter = res.statusCode === 429 || res.statusCode === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
        throw new HttpStatusError(res.statusCode, excerpt, origin, retryAfter);
      }
      const expect = req.expect ?? 'json';
      if (expect === 'none' || req.method === 'HEAD') {
        await res.body.dump();
        return { status: res.statusCode, headers: res.headers, body: undefined as T, attempts: 1 };
      }
      if (expect === 'excerpt')
        return { status: res.statusCode, headers: res.headers, body: (await readExcerpt(res.body)) as T, attempts: 1 };
      // The Agent's maxResponseSize bounds the body; undici stops reading past it.
      const text = await res.body.text();
      if (expect === 'text') return { status: res.statusCode, headers: res.headers, body: text as T, attempts: 1 };
      if (text.length === 0) return { status: res.statusCode, headers: res.headers, body: undefined as T, attempts: 1 };
      try {
        return { status: res.statusCode, headers: res.headers, body: JSON.parse(text) as T, attempts: 1 };
      } catch (cause) {
        throw new DecodeError(`${origin} answered ${res.statusCode} with a body that is not JSON`, {
          cause,
          details: { origin, status: res.statusCode, bodyExcerpt: text.slice(0, BODY_EXCERPT_BYTES) },
        });
      }
    } catch (error) {
      if (error instanceof HttpStatusError || error instanceof DecodeError) throw error;
      throw mapTransportError(error, origin, req.signal, deadline.expired, this.o.maxResponseBytes);
    } finally {
      this.deadlines.unwatch(deadline);
    }
  }

  private createMetrics(registry: Registry) {
    const breakers = this.breakerStatesSafe.bind(this);
    new Gauge({
      name: 'http_client_breakers',
      help: 'Outbound circuit breakers by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts: Record<string, number> = { closed: 0, open: 0, 'half-open': 0 };
        for (const b of breakers()) counts[b.state] = (counts[b.state] ?? 0) + 1;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    return {
      requests: new Counter({
        name: 'http_client_attempts_total',
        help: 'Outbound HTTP attempts by method and outcome (2xx, 4xx, 5xx, connection, timeout, circuit_open, decode, other)',
        labelNames: ['method', 'outcome'] as const,
        registers: [registry],
      }),
      transitions: new Counter({
        name: 'http_client_breaker_transitions_total',
        help: 'Circuit breaker state changes, by the state entered',
        labelNames: ['to'] as const,
        registers: [registry],
      }),
    };
  }

  private count(method: string, outcome: string): void {
    if (!this.metrics) return;
    const key = `${method} ${outcome}`;
    let child = this.counters.get(key);
    if (!child) {
      child = this.metrics.requests.labels(method, outcome);
      this.counters.set(key, child);
    }
    child.inc();
  }

  private breakerStatesSafe(): BreakerState[] {
    return this.breakers?.states() ?? [];
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof HttpStatusError) return `${Math.floor(error.status / 100)}xx`;
  if (error instanceof ConnectionError) return 'connection';
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof DecodeError) return 'decode';
  return 'other';
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** Turns what undici and the socket throw into this lib's errors: text is read here, once. */
function mapTransportError(
  error: unknown,
  origin: string,
  callerSignal: AbortSignal | undefined,
  deadlinePassed: boolean,
  maxResponseBytes?: number,
): Error {
  if ((error as { code?: string }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new ResponseTooLargeError(`${origin} sent more than ${maxResponseBytes} bytes`, {
      cause: error,
      details: { origin, limit: maxResponseBytes },
    });
  }
  // Raised by a hook of ours inside the transport (the lookup guard): already typed and classified.
  const own = isSwitchTelemetryError(error)
    ? error
    : isSwitchTelemetryError((error as { cause?: unknown })?.cause)
      ? (error as { cause: Error }).cause
      : undefined;
  if (own) return own as Error;
  if (callerSignal?.aborted) return new AbortedError(`request to ${origin} aborted by the caller`, { cause: error });
  if (deadlinePassed) return new TimeoutError(`${origin}: the request's deadline passed`, 'deadline', { cause: error });
  if (error instanceof undiciErrors.ConnectTimeoutError)
    return new TimeoutError(`${origin}: connect timed out`, 'connect', { cause: error });
  if (error instanceof undiciErrors.HeadersTimeoutError)
    return new TimeoutError(`${origin}: no response headers in time`, 'headers', { cause: error });
  if (error instanceof undiciErrors.BodyTimeoutError) return new TimeoutError(`${origin}: response body stalled`, 'body', { cause: error });
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code !== undefined && CONNECT_CODES.has(code)) return new ConnectionError(`${origin}: ${code}`, 'connect', { cause: error });
  if (error instanceof undiciErrors.SocketError || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    return new ConnectionError(`${origin}: connection lost (${code ?? 'socket error'})`, 'socket', { cause: error });
  }
  if (error instanceof Error) return new ConnectionError(`${origin}: ${error.message}`, 'socket', { cause: error });
  return new ConnectionError(`${origin}: ${String(error)}`, 'socket');
}

async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < BODY_EXCERPT_BYTES) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= BODY_EXCERPT_BYTES) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, BODY_EXCERPT_BYTES).toString('utf8');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError('the caller aborted the request'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('the caller aborted the request'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

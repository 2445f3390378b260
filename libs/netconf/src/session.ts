import type { Duplex } from 'node:stream';
import type { Logger } from '@switch-telemetry/logging';
import { NetconfRpcError, NetconfTimeoutError, ProtocolError, SessionClosedError, type RpcErrorDetail } from './errors';
import { Deframer, frame, type Framing, MAX_MESSAGE_BYTES } from './framing';
import {
  BASE_10,
  BASE_11,
  CLOSE_SESSION,
  NOTIFICATION_CAP,
  createSubscriptionXml,
  getConfigXml,
  getXml,
  helloXml,
  rpcXml,
  type Filter,
} from './messages';
import { parseXml, textOf, type XmlNode, type XmlValue } from './xml';

export const RPC_TIMEOUT_MS = 30_000;
export const HELLO_TIMEOUT_MS = 10_000;
/** SSH idle time: a session that hears nothing this long is closed. */
export const IDLE_TIMEOUT_MS = 300_000;
/** Notifications buffered before the transport is paused (the consumer is slow). */
const NOTIFICATION_HIGH_WATER = 256;

export interface SessionOptions {
  log: Logger;
  rpcTimeoutMs?: number;
  helloTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxMessageBytes?: number;
  /** Extra capabilities to announce (ours are base:1.0 and base:1.1). */
  capabilities?: string[];
}

export interface Hello {
  sessionId?: number;
  capabilities: string[];
  framing: Framing;
}

/** An `<rpc-reply>`: `data` for get / get-config, `ok` otherwise. */
export interface Reply {
  messageId: string;
  ok: boolean;
  data?: XmlNode;
  /** The raw reply XML (for callers that parse it themselves). */
  raw: Buffer;
}

/** A `<notification>` (RFC 5277): its eventTime and its content. */
export interface NetconfNotification {
  eventTime: string;
  /** The event element and what it holds, namespace attributes included. */
  event: XmlNode;
  raw: Buffer;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function rpcErrors(value: XmlValue | undefined): RpcErrorDetail[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.map((e) => {
    const node = (typeof e === 'object' ? e : {}) as XmlNode;
    return {
      type: textOf(node['error-type']) ?? 'rpc',
      tag: textOf(node['error-tag']) ?? 'operation-failed',
      severity: textOf(node['error-severity']) ?? 'error',
      ...(node['error-app-tag'] !== undefined ? { appTag: textOf(node['error-app-tag']) } : {}),
      ...(node['error-path'] !== undefined ? { path: textOf(node['error-path'])?.trim() } : {}),
      ...(node['error-message'] !== undefined ? { message: textOf(node['error-message']) } : {}),
      ...(node['error-info'] !== undefined ? { info: node['error-info'] } : {}),
    };
  });
}

/**
 * One NETCONF session over a byte stream (the SSH `netconf` subsystem, or
 * anything duplex in tests): hello exchange and capability negotiation,
 * end-of-message then chunked framing when both sides speak base:1.1,
 * message-id correlation with concurrent RPCs, a timeout on every RPC,
 * rpc-errors as NetconfRpcError, notifications as an async iterable that
 * pauses the transport when the consumer falls behind.
 */
export class NetconfSession {
  private readonly deframer: Deframer;
  private framing: Framing = 'eom';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private helloWaiter: { resolve: (h: Hello) => void; reject: (e: Error) => void } | undefined;
  private peerHello: Hello | undefined;
  private closedError: Error | undefined;
  private readonly notifications: NetconfNotification[] = [];
  private notificationWaiter: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly closeListeners: Array<(error: Error) => void> = [];
  private closing = false;

  constructor(
    private readonly stream: Duplex,
    private readonly options: SessionOptions,
  ) {
    this.deframer = new Deframer('eom', options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.shutdown(new SessionClosedError(`the transport failed: ${err.message}`, { cause: err })));
    stream.on('close', () => this.shutdown(new SessionClosedError('the device closed the session')));
    stream.on('end', () => this.shutdown(new SessionClosedError('the device closed the session')));
    this.touch();
  }

  /** The capabilities the device announced (after `hello()`). */
  get capabilities(): string[] {
    return this.peerHello?.capabilities ?? [];
  }

  /** Called once when the session ends, with why. */
  onClose(listener: (error: Error) => void): void {
    this.closeListeners.push(listener);
  }

  /** Exchanges hellos; afterwards both sides use chunked framing when both speak base:1.1. */
  hello(): Promise<Hello> {
    const capabilities = [BASE_10, BASE_11, ...(this.options.capabilities ?? [])];
    this.stream.write(frame(helloXml(capabilities), 'eom'));
    if (this.peerHello) return Promise.resolve(this.peerHello);
    const timeoutMs = this.options.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.helloWaiter = undefined;
        reject(new NetconfTimeoutError(`no hello from the device within ${timeoutMs} ms`));
        this.close();
      }, timeoutMs);
      this.helloWaiter = {
        resolve: (h) => (clearTimeout(timer), resolve(h)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  /** Sends one RPC (the XML inside `<rpc>`) and resolves with its reply. */
  rpc(body: string, timeoutMs = this.options.rpcTimeoutMs ?? RPC_TIMEOUT_MS): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (!this.peerHello) return Promise.reject(new ProtocolError('rpc before the hello exchange'));
    const id = String(this.nextId++);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NetconfTimeoutError(`no reply to rpc ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.stream.write(frame(rpcXml(Number(id), body), this.framing));
    });
  }

  get(filter?: Filter, timeoutMs?: number): Promise<Reply> {
    return this.rpc(getXml(filter), timeoutMs);
  }

  getConfig(source: 'running' | 'candidate' | 'startup' = 'running', filter?: Filter, timeoutMs?: number): Promise<Reply> {
    return this.rpc(getConfigXml(source, filter), timeoutMs);
  }

  /** RFC 5277 create-subscription; notifications then arrive through `notificationStream()`. */
  async createSubscription(options: { stream?: string; filter?: Filter; startTime?: Date; stopTime?: Date } = {}): Promise<void> {
    if (!this.capabilities.includes(NOTIFICATION_CAP)) {
      throw new ProtocolError('the device does not announce the notification capability (RFC 5277)');
    }
    await this.rpc(createSubscriptionXml(options));
  }

  /** Notifications as they arrive; ends when the session does. */
  async *notificationStream(): AsyncIterable<NetconfNotification> {
    for (;;) {
      const next = this.notifications.shift();
      if (next) {
        if (this.notifications.length < NOTIFICATION_HIGH_WATER / 2 && this.stream.isPaused()) this.stream.resume();
        yield next;
        continue;
      }
      if (this.closedError) return;
      await new Promise<void>((resolve) => (this.notificationWaiter = resolve));
    }
  }

  /**
   * `<close-session>` (best effort, bounded), then the transport ends.
   * The reply comes behind whatever the device sent before it, so a
   * transport paused for a slow consumer is resumed, and notifications that
   * arrive from then on are dropped rather than buffered.
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closedError) return;
    this.closing = true;
    if (this.stream.isPaused()) this.stream.resume();
    if (this.peerHello) await this.rpc(CLOSE_SESSION, timeoutMs).catch(() => undefined);
    this.shutdown(new SessionClosedError('the session was closed'));
    this.stream.end();
    this.stream.destroy();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    const idle = this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.idleTimer = setTimeout(() => {
      this.options.log.warn({ idleMs: idle }, 'netconf session idle too long; closing');
      this.shutdown(new SessionClosedError(`nothing heard for ${idle} ms`));
      this.stream.destroy();
    }, idle);
    this.idleTimer.unref();
  }

  private onData(chunk: Buffer): void {
    this.touch();
    try {
      this.deframer.write(chunk);
      for (let message = this.deframer.next(); message; message = this.deframer.next()) this.onMessage(message);
    } catch (err) {
      // A framing or XML fault leaves the stream unusable: end the session, loudly.
      this.options.log.warn({ err }, 'netconf session broken by the device');
      this.shutdown(err as Error);
      this.stream.destroy();
    }
  }

  private onMessage(raw: Buffer): void {
    const doc = parseXml(raw);
    if (doc.hello !== undefined) return this.onHello(doc.hello as XmlNode);
    const reply = doc['rpc-reply'] as XmlNode | undefined;
    if (reply !== undefined) return this.onReply(typeof reply === 'object' ? reply : {}, raw);
    const notification = doc.notification as XmlNode | undefined;
    if (notification !== undefined) return this.onNotification(notification, raw);
    throw new ProtocolError(`unexpected message <${Object.keys(doc).filter((k) => k !== '?xml')[0] ?? '?'}>`);
  }

  private onHello(hello: XmlNode): void {
    const caps = (hello.capabilities as XmlNode | undefined)?.capability;
    const capabilities = (Array.isArray(caps) ? caps : caps ? [caps] : []).map((c) => (textOf(c) ?? '').trim());
    if (!capabilities.includes(BASE_10) && !capabilities.includes(BASE_11))
      throw new ProtocolError('the device hello has no base capability');
    this.framing = capabilities.includes(BASE_11) ? 'chunked' : 'eom';
    this.deframer.setFraming(this.framing);
    const sid = Number(textOf(hello['session-id']));
    this.peerHello = { capabilities, framing: this.framing, ...(Number.isInteger(sid) ? { sessionId: sid } : {}) };
    this.helloWaiter?.resolve(this.peerHello);
    this.helloWaiter = undefined;
  }

  private onReply(reply: XmlNode, raw: Buffer): void {
    const id = typeof reply['@message-id'] === 'string' ? reply['@message-id'] : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending) {
      this.options.log.warn({ messageId: id }, 'reply to no outstanding rpc; ignored');
      return;
    }
    this.pending.delete(id!);
    clearTimeout(pending.timer);
    const errors = rpcErrors(reply['rpc-error']);
    if (errors.some((e) => e.severity !== 'warning')) return pending.reject(new NetconfRpcError(errors));
    const data = reply.data;
    pending.resolve({
      messageId: id!,
      ok: reply.ok !== undefined || data !== undefined,
      ...(data !== undefined ? { data: typeof data === 'object' && !Array.isArray(data) ? data : {} } : {}),
      raw,
    });
  }

  private onNotification(notification: XmlNode, raw: Buffer): void {
    if (this.closing) return;
    const eventTime = textOf(notification.eventTime) ?? new Date().toISOString();
    const event: XmlNode = {};
    for (const [key, value] of Object.entries(notification)) if (key !== 'eventTime' && !key.startsWith('@')) event[key] = value;
    this.notifications.push({ eventTime, event, raw });
    if (this.notifications.length >= NOTIFICATION_HIGH_WATER) this.stream.pause();
    this.notificationWaiter?.();
    this.notificationWaiter = undefined;
  }

  private shutdown(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    clearTimeout(this.idleTimer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
    this.helloWaiter?.reject(error);
    this.helloWaiter = undefined;
    this.notificationWaiter?.();
    this.notificationWaiter = undefined;
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}

import { Match, type MsgHdrs } from '@nats-io/transport-node';
import { PublishError } from './errors';

const HEADER_LINE = 'NATS/1.0';
// RFC 9110 field-name token characters; values may hold anything but CR and LF.
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const CRLF = /[\r\n]/;

const blocks = new WeakMap<Record<string, string>, Uint8Array>();
const encoder = new TextEncoder();

/** `NATS/1.0\r\nk: v...` (without the closing blank line) for a header record, built once per record object. */
function fixedBlock(headers: Record<string, string>): Uint8Array {
  let block = blocks.get(headers);
  if (!block) {
    let text = HEADER_LINE;
    for (const [name, value] of Object.entries(headers)) {
      if (!NAME.test(name) || CRLF.test(value))
        throw new PublishError(`header ${JSON.stringify(name.slice(0, 64))} is not a valid NATS header`);
      text += `\r\n${name}: ${value.trim()}`;
    }
    block = encoder.encode(text);
    blocks.set(headers, block);
  }
  return block;
}

/**
 * Message headers handed to nats.js already encoded: the part that is the
 * same for many messages (a device's headers) is encoded once and only the
 * Nats-Msg-Id is added per message. nats.js builds and encodes a header map
 * per publish otherwise, a measurable share of the collector's CPU. It
 * implements MsgHdrs so nats.js can use it as its own; nats.js writes
 * `encode()`'s bytes as the header block (HPUB).
 */
export class EncodedHeaders implements MsgHdrs {
  hasError = false;
  status = '';
  code = 0;
  description = '';
  private entries: Array<[string, string]> | undefined;

  constructor(
    private readonly fixed: Record<string, string>,
    private readonly msgId: string | undefined,
  ) {
    if (msgId !== undefined && CRLF.test(msgId)) throw new PublishError('a Nats-Msg-Id cannot hold CR or LF');
  }

  /** The header block as NATS writes it: `NATS/1.0\r\nk: v\r\n...\r\n\r\n`. */
  encode(): Uint8Array {
    const head = fixedBlock(this.fixed);
    const tail = this.msgId === undefined ? '\r\n\r\n' : `\r\nNats-Msg-Id: ${this.msgId}\r\n\r\n`;
    const out = new Uint8Array(head.length + tail.length * 3);
    out.set(head, 0);
    const written = encoder.encodeInto(tail, out.subarray(head.length)).written;
    return out.subarray(0, head.length + written);
  }

  private all(): Array<[string, string]> {
    this.entries ??= [
      ...Object.entries(this.fixed),
      ...(this.msgId === undefined ? [] : [['Nats-Msg-Id', this.msgId] as [string, string]]),
    ];
    return this.entries;
  }

  private find(k: string, match: Match = Match.Exact): Array<[string, string]> {
    const key = match === Match.Exact ? k : k.toLowerCase();
    return this.all().filter(([name]) => (match === Match.Exact ? name === key : name.toLowerCase() === key));
  }

  get(k: string, match?: Match): string {
    return this.find(k, match)[0]?.[1] ?? '';
  }

  last(k: string, match?: Match): string {
    return this.find(k, match).at(-1)?.[1] ?? '';
  }

  has(k: string, match?: Match): boolean {
    return this.find(k, match).length > 0;
  }

  keys(): string[] {
    return [...new Set(this.all().map(([name]) => name))];
  }

  values(k: string, match?: Match): string[] {
    return this.find(k, match).map(([, v]) => v);
  }

  set(): void {
    throw new PublishError('encoded headers are read-only');
  }

  append(): void {
    throw new PublishError('encoded headers are read-only');
  }

  delete(): void {
    throw new PublishError('encoded headers are read-only');
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const key of this.keys()) yield [key, this.values(key)];
  }
}

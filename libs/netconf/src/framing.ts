import { FramingError, MessageTooLargeError } from './errors';

/** RFC 6242 §4.3: the end-of-message marker of base:1.0. */
export const EOM = ']]>]]>';
const EOM_BYTES = Buffer.from(EOM);
/** RFC 6242 §4.2: chunk-size is 1..4294967295. */
export const MAX_CHUNK_SIZE = 4_294_967_295;
export const MAX_MESSAGE_BYTES = 64 * 1_048_576;

export type Framing = 'eom' | 'chunked';

/** A whole message in the given framing. */
export function frame(message: string | Buffer, framing: Framing): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (framing === 'eom') return Buffer.concat([body, EOM_BYTES]);
  return Buffer.concat([Buffer.from(`\n#${body.length}\n`), body, Buffer.from('\n##\n')]);
}

type ChunkState = 'lf' | 'hash' | 'size-or-end' | 'size' | 'data' | 'end-lf';

/**
 * Streaming deframer: `write` bytes as they arrive, take whole messages with
 * `next()` one at a time (so the caller can switch framing right after the
 * hello, even when the next message's bytes came in the same read). It holds
 * at most one message in progress plus unread input, refuses a message larger
 * than `maxMessageBytes`, and rejects malformed chunk headers with a
 * FramingError as soon as they are seen.
 */
export class Deframer {
  private framing: Framing;
  private readonly max: number;
  private input: Buffer = Buffer.alloc(0);
  // chunked state
  private state: ChunkState = 'lf';
  private size = 0;
  private sizeDigits = 0;
  private remaining = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(framing: Framing = 'eom', maxMessageBytes = MAX_MESSAGE_BYTES) {
    this.framing = framing;
    this.max = maxMessageBytes;
  }

  setFraming(framing: Framing): void {
    this.framing = framing;
  }

  /** Bytes held: the message in progress and input not yet read. */
  get buffered(): number {
    return this.input.length + this.partsBytes;
  }

  write(data: Buffer): void {
    this.input = this.input.length === 0 ? data : Buffer.concat([this.input, data]);
    if (this.framing === 'eom' && this.input.length > this.max + EOM_BYTES.length && this.input.indexOf(EOM_BYTES) === -1) {
      this.input = Buffer.alloc(0);
      throw new MessageTooLargeError(`a message passed ${this.max} bytes without ${EOM}`);
    }
  }

  /** The next whole message, or undefined until more bytes arrive. */
  next(): Buffer | undefined {
    return this.framing === 'eom' ? this.nextEom() : this.nextChunked();
  }

  /** write + every whole message now available. */
  push(data: Buffer): Buffer[] {
    this.write(data);
    const out: Buffer[] = [];
    for (let m = this.next(); m; m = this.next()) out.push(m);
    return out;
  }

  private nextEom(): Buffer | undefined {
    const at = this.input.indexOf(EOM_BYTES);
    if (at === -1) return undefined;
    const message = this.input.subarray(0, at);
    this.input = this.input.subarray(at + EOM_BYTES.length);
    return message;
  }

  /** Forgets everything held: after an error the session is closed anyway. */
  private reset(): void {
    this.state = 'lf';
    this.input = Buffer.alloc(0);
    this.parts = [];
    this.partsBytes = 0;
  }

  private fail(problem: string): never {
    this.reset();
    throw new FramingError(`malformed chunked framing: ${problem}`);
  }

  private nextChunked(): Buffer | undefined {
    const data = this.input;
    let i = 0;
    let message: Buffer | undefined;
    while (i < data.length && !message) {
      switch (this.state) {
        case 'lf':
          if (data[i] !== 0x0a) this.fail(`expected LF, got byte ${data[i]}`);
          this.state = 'hash';
          i += 1;
          break;
        case 'hash':
          if (data[i] !== 0x23) this.fail(`expected '#', got byte ${data[i]}`);
          this.state = 'size-or-end';
          i += 1;
          break;
        case 'size-or-end':
          if (data[i] === 0x23) {
            this.state = 'end-lf';
            i += 1;
            break;
          }
          if (data[i]! < 0x31 || data[i]! > 0x39) this.fail('chunk-size must start with 1-9');
          this.size = 0;
          this.sizeDigits = 0;
          this.state = 'size';
          break;
        case 'size': {
          const b = data[i]!;
          if (b === 0x0a) {
            if (this.sizeDigits === 0) this.fail('empty chunk-size');
            if (this.partsBytes + this.size > this.max) {
              this.reset();
              throw new MessageTooLargeError(`a message passed ${this.max} bytes`);
            }
            this.remaining = this.size;
            this.state = 'data';
            i += 1;
            break;
          }
          if (b < 0x30 || b > 0x39) this.fail(`chunk-size has byte ${b}`);
          this.size = this.size * 10 + (b - 0x30);
          this.sizeDigits += 1;
          if (this.sizeDigits > 10 || this.size > MAX_CHUNK_SIZE) this.fail('chunk-size over 4294967295');
          i += 1;
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, data.length - i);
          this.parts.push(data.subarray(i, i + take));
          this.partsBytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'lf';
          break;
        }
        case 'end-lf':
          if (data[i] !== 0x0a) this.fail(`expected LF after '##', got byte ${data[i]}`);
          if (this.partsBytes === 0) this.fail('end-of-chunks without a chunk');
          message = Buffer.concat(this.parts, this.partsBytes);
          this.parts = [];
          this.partsBytes = 0;
          this.state = 'lf';
          i += 1;
          break;
      }
    }
    this.input = data.subarray(i);
    return message;
  }
}

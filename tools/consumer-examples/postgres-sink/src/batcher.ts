import type { Pool } from 'pg';
import { fullPath, numericValue, timestampNanos, type TelemetryConsumerLogger, type TelemetryMessage } from '@switch-telemetry/consumer';

/** The table, created when missing. The primary key makes a redelivered message's rows a no-op (at-least-once in, once in the table). */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  time timestamptz NOT NULL,
  ts_ns numeric(20, 0) NOT NULL,
  device text NOT NULL,
  subscription text NOT NULL,
  path text NOT NULL,
  value jsonb,
  value_num double precision,
  PRIMARY KEY (device, subscription, path, ts_ns)
)`;
}

// One statement text for any batch size (one plan, no 65,535-parameter limit): seven arrays, unnested into rows.
function insertSql(table: string): string {
  return `INSERT INTO ${table} (time, ts_ns, device, subscription, path, value, value_num)
SELECT * FROM unnest($1::timestamptz[], $2::numeric[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::float8[])
ON CONFLICT DO NOTHING`;
}

/** A message this table cannot hold (its time is beyond what a date can be). */
export class UnstorableMessageError extends Error {
  readonly code = 'SINK_UNSTORABLE_MESSAGE';
}

const MAX_DATE_MS = 8_640_000_000_000_000n;

/** Microsecond ISO time (PostgreSQL's precision) from nanoseconds. */
function isoMicros(ns: bigint): string {
  const ms = ns / 1_000_000n;
  if (ms > MAX_DATE_MS) throw new UnstorableMessageError(`ts ${ns} is beyond the largest date`);
  const micros = (ns / 1_000n) % 1_000n;
  return new Date(Number(ms)).toISOString().replace('Z', `${micros.toString().padStart(3, '0')}Z`);
}

interface Columns {
  time: string[];
  tsNs: string[];
  device: string[];
  subscription: string[];
  path: string[];
  value: string[];
  num: Array<number | null>;
}

const emptyColumns = (): Columns => ({ time: [], tsNs: [], device: [], subscription: [], path: [], value: [], num: [] });

interface Waiter {
  /** This message's rows in the batch's columns. */
  from: number;
  to: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  columns: Columns;
  rows: number;
  waiters: Waiter[];
}

/** A message whose rows PostgreSQL refuses as data (SQLSTATE class 22, e.g. a NUL in a string, a time out of range). */
/**
 * Errors about the rows, not the database: the batch is written again one
 * message at a time, and only the message PostgreSQL refuses is dropped.
 * Class 22 (data exception: a NUL in a string, a number out of range) and
 * 54000 (program limit: a path too long for the primary key's index).
 */
const isDataError = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
};

const slice = (c: Columns, from: number, to: number): unknown[] =>
  [c.time, c.tsNs, c.device, c.subscription, c.path, c.value, c.num].map((col) => col.slice(from, to));

export interface BatcherOptions {
  pool: Pool;
  table: string;
  /** A batch is written when it has this many rows… */
  batchRows: number;
  /** …or this long after its first message, whichever comes first. */
  batchMs: number;
  log: TelemetryConsumerLogger;
}

/**
 * Collects the updates of many messages and writes them with one INSERT;
 * add() resolves when the batch holding the message has committed (then
 * the consumer acknowledges it) and rejects when it failed (then the
 * message is retried). Batches are written one at a time, in order.
 */
export class UpdateBatcher {
  private current: Batch = { columns: emptyColumns(), rows: 0, waiters: [] };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly sql: string;
  readonly written = { batches: 0, rows: 0, messages: 0, refusedMessages: 0 };

  constructor(private readonly options: BatcherOptions) {
    this.sql = insertSql(options.table);
  }

  add(message: TelemetryMessage): Promise<void> {
    const c = this.current.columns;
    const tsNs = timestampNanos(message);
    const time = isoMicros(tsNs);
    const from = this.current.rows;
    for (const u of message.updates) {
      c.time.push(time);
      c.tsNs.push(tsNs.toString());
      c.device.push(message.device);
      c.subscription.push(message.subscription);
      c.path.push(fullPath(message.prefix, u.path));
      c.value.push(JSON.stringify(u.value ?? null));
      c.num.push(numericValue(u.value) ?? null);
    }
    this.current.rows += message.updates.length;
    const to = this.current.rows;
    const done = new Promise<void>((resolve, reject) => this.current.waiters.push({ from, to, resolve, reject }));
    if (this.current.rows >= this.options.batchRows) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchMs);
    return done;
  }

  /** Writes what is collected now; resolves when every batch so far is written (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.current;
    if (batch.waiters.length > 0) {
      this.current = { columns: emptyColumns(), rows: 0, waiters: [] };
      this.writing = this.writing.then(() => this.write(batch));
    }
    return this.writing;
  }

  private async write(batch: Batch): Promise<void> {
    try {
      if (batch.rows > 0) {
        const c = batch.columns;
        // One statement is one transaction: the rows are committed when the query resolves.
        await this.options.pool.query(this.sql, slice(c, 0, batch.rows));
      }
      this.written.batches += 1;
      this.written.rows += batch.rows;
      this.written.messages += batch.waiters.length;
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      if (isDataError(err)) return this.writeOneByOne(batch);
      this.options.log.warn({ err, rows: batch.rows, messages: batch.waiters.length }, 'batch insert failed; its messages will be retried');
      for (const w of batch.waiters) w.reject(err);
    }
  }

  // One bad message must not hold back the others: each is written alone, and one PostgreSQL refuses is dropped (logged, counted).
  private async writeOneByOne(batch: Batch): Promise<void> {
    for (const w of batch.waiters) {
      try {
        if (w.to > w.from) await this.options.pool.query(this.sql, slice(batch.columns, w.from, w.to));
        this.written.rows += w.to - w.from;
        this.written.messages += 1;
        w.resolve();
      } catch (err) {
        if (isDataError(err)) {
          this.written.refusedMessages += 1;
          this.options.log.warn({ err, device: batch.columns.device[w.from] }, 'PostgreSQL refuses the rows of a message; dropped');
          w.resolve();
        } else {
          w.reject(err);
        }
      }
    }
    this.written.batches += 1;
  }
}

import type { Bus } from './connection';
import type { PublishOptions } from './publisher';

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Options of a KV write: compare-and-set against the key's last revision (0: the key must not exist). */
export interface KvWriteOptions {
  expectRevision?: number;
  timeoutMs?: number;
}

function options(o: KvWriteOptions, headers: Record<string, string>): PublishOptions {
  const all = o.expectRevision === undefined ? headers : { ...headers, 'Nats-Expected-Last-Subject-Sequence': String(o.expectRevision) };
  return { ...(Object.keys(all).length > 0 ? { headers: all } : {}), ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }) };
}

/**
 * Writes a KV value through our publisher (pipelined, one reply
 * subscription, publishes of one turn in one socket write) instead of a
 * nats.js request per put: a collector writes thousands of keys. A KV write
 * is a JetStream publish to `$KV.<bucket>.<key>`; resolves with the revision.
 */
export async function kvPut(
  bus: Pick<Bus, 'publish'>,
  bucket: string,
  key: string,
  value: string,
  o: KvWriteOptions = {},
): Promise<number> {
  return (await bus.publish(`$KV.${bucket}.${key}`, encoder.encode(value), options(o, {}))).seq;
}

/** Deletes a KV key (a delete marker, as nats.js writes it); resolves with the marker's revision. */
export async function kvDelete(bus: Pick<Bus, 'publish'>, bucket: string, key: string, o: KvWriteOptions = {}): Promise<number> {
  return (await bus.publish(`$KV.${bucket}.${key}`, EMPTY, options(o, { 'KV-Operation': 'DEL' }))).seq;
}

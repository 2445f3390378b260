import { Kvm, type KV } from '@nats-io/kv';
import type { Bus } from './connection';
import type { BucketSpec } from './topology';

const opened = new WeakMap<Bus, Map<string, Promise<KV>>>();

/**
 * A KV bucket of the topology, opened once per connection (opening reads the
 * bucket's stream info: not something to do per use). The bucket must exist:
 * provisioning creates it.
 */
export function openBucket(bus: Bus, spec: BucketSpec): Promise<KV> {
  let buckets = opened.get(bus);
  if (!buckets) {
    buckets = new Map();
    opened.set(bus, buckets);
  }
  let kv = buckets.get(spec.name);
  if (!kv) {
    kv = new Kvm(bus.js).open(spec.name);
    // A failed open is not remembered: the next use tries again.
    kv.catch(() => buckets!.delete(spec.name));
    buckets.set(spec.name, kv);
  }
  return kv;
}

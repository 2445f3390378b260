import { createHash } from 'node:crypto';
import type { Device, Subscription } from '@switch-telemetry/contracts';

/** What a running session was started from. */
export interface RunningSession {
  id: string;
  /** The connection spec's hash when it started. */
  spec: string;
  /** The subscriptions' hash it runs now. */
  subscriptions: string;
}

export interface SessionPlan {
  start: Device[];
  stop: string[];
  /** The connection changed (address, credentials, TLS...): stop and start again. */
  restart: Device[];
  /** Only the subscriptions changed: the session keeps its connection and changes the subscriptions that changed. */
  resubscribe: Device[];
  /** Only presentation changed (name, tags): the session keeps running with the new record. */
  update: Device[];
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * The part of a device that its connection depends on. Name and tags are
 * left out on purpose: renaming or re-tagging a device must not drop its
 * session; subscriptions too, which change on a live connection.
 */
export function connectionSpec(device: Device): string {
  // Device records are replaced, never changed in place: one hash per record, not one per reconcile.
  const known = specs.get(device);
  if (known !== undefined) return known;
  const hash = hashOf({
    protocol: device.protocol,
    address: device.address,
    port: device.port,
    credentials: device.credentials ?? null,
    tls: device.tls,
    hostKey: device.host_key,
  });
  specs.set(device, hash);
  return hash;
}

/** What the device's session subscribes to (its effective subscriptions, in name order). */
export function subscriptionsSpec(device: Device): string {
  const known = subscriptionSpecs.get(device);
  if (known !== undefined) return known;
  const hash = hashOf([...device.effective_subscriptions].sort((a, b) => a.name.localeCompare(b.name)));
  subscriptionSpecs.set(device, hash);
  return hash;
}

/** One subscription's identity: a change of any of its fields makes it another subscription. */
export function subscriptionKey(sub: Subscription): string {
  return hashOf(sub);
}

const specs = new WeakMap<Device, string>();
const subscriptionSpecs = new WeakMap<Device, string>();

/** Desired devices (enabled, owned here) against running sessions: a pure diff. */
export function planSessions(desired: readonly Device[], running: readonly RunningSession[]): SessionPlan {
  const want = new Map(desired.filter((d) => d.enabled).map((d) => [d.id, d]));
  const have = new Map(running.map((r) => [r.id, r]));
  const plan: SessionPlan = { start: [], stop: [], restart: [], resubscribe: [], update: [] };
  for (const [id, device] of want) {
    const current = have.get(id);
    if (!current) plan.start.push(device);
    else if (current.spec !== connectionSpec(device)) plan.restart.push(device);
    else if (current.subscriptions !== subscriptionsSpec(device)) plan.resubscribe.push(device);
    else plan.update.push(device);
  }
  for (const id of have.keys()) if (!want.has(id)) plan.stop.push(id);
  return plan;
}

/**
 * Rendezvous (highest random weight) hashing: the member with the highest
 * hash of (member, device) owns the device. When a member joins or leaves,
 * only the devices it wins or held move.
 */
export function ownerOf(device: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const member of members) {
    const score = BigInt(`0x${createHash('sha256').update(member).update('\0').update(device).digest('hex').slice(0, 15)}`);
    if (score > bestScore || (score === bestScore && member < (best ?? ''))) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

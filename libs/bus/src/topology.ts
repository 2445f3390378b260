import type { AlertKind, DeviceEvent, EndpointEvent, SessionEvent } from '@switch-telemetry/contracts';
import { InvalidSubjectTokenError } from './errors';

const DAY_MS = 86_400_000;

/** Stream settings this project owns; anything else on a stream is left as it is. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  retention: 'limits' | 'workqueue';
  maxAgeMs: number; // 0 = no age limit
  maxBytes: number; // -1 = no size limit
  duplicateWindowMs: number;
  /** Copies JetStream keeps, one per server (1 on a single server, 3 on a three-node cluster). */
  replicas: number;
}

/** KV bucket settings this project owns. */
export interface BucketSpec {
  name: string;
  ttlMs: number; // 0 = entries never expire
  history: number;
  replicas: number;
}

export interface TopologyOptions {
  /**
   * Prefixes every stream, bucket and subject (`t1` → stream `t1_EVENTS`,
   * subject `t1.events.>`), so tests, or two stacks, share one NATS server
   * without touching each other. Empty in production: the names of docs/CONTRACTS.md.
   */
  namespace?: string;
  telemetryMaxAgeMs?: number;
  telemetryMaxBytes?: number;
  /** A collector whose heartbeat is this old is gone; its devices are taken over. */
  collectorHeartbeatTtlMs?: number;
  /** The JOBS and EVENTS duplicate window (5 min); tests shorten it to see what happens after it. */
  duplicateWindowMs?: number;
  /** Copies of every stream and bucket (NATS_REPLICAS): 1 on a single server, 3 on a JetStream cluster of three or more. */
  replicas?: number;
}

// Defaults: EVENTS 7 days, JOBS and EVENTS duplicate windows 5 min (docs/CONTRACTS.md); the
// telemetry limits are ours: a day or 1 GiB, whichever comes first.
export const TELEMETRY_MAX_AGE_MS = DAY_MS;
export const TELEMETRY_MAX_BYTES = 1024 ** 3;
export const EVENTS_MAX_AGE_MS = 7 * DAY_MS;
export const JOBS_DUPLICATE_WINDOW_MS = 5 * 60_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000; // JetStream's own default
// EVENTS keeps the JOBS window: a webhook repeated within it is one event and one job, never one of them twice.
export const EVENTS_DUPLICATE_WINDOW_MS = JOBS_DUPLICATE_WINDOW_MS;
// A dead collector's devices move within about this long (plus a reconcile and a connect).
export const COLLECTOR_HEARTBEAT_TTL_MS = 8_000;

// A subject token we build from data (device id, subscription name, source,
// event): a slug, never a dot or a wildcard.
const TOKEN = /^[a-z0-9_-]{1,128}$/;

/** Throws InvalidSubjectTokenError unless `value` is a safe subject token. */
export function assertSubjectToken(kind: string, value: string): string {
  if (!TOKEN.test(value)) {
    throw new InvalidSubjectTokenError(`${kind} "${value.slice(0, 64)}" is not a subject token: use 1-128 of a-z 0-9 _ -`, {
      details: { kind },
    });
  }
  return value;
}

/** Like assertSubjectToken, for a dotted name whose every part is a token (`device.created`). */
export function assertSubjectPath(kind: string, value: string): string {
  for (const part of value.split('.')) assertSubjectToken(kind, part);
  return value;
}

// Waiting jobs live under jobs._scheduled.>; a queue name never starts with
// '_', so no queue consumer's filter overlaps it (a work-queue stream forbids that).
const SCHEDULED_TOKEN = '_scheduled';
const QUEUE = /^[a-z][a-z0-9-]{0,31}$/;

/** A job queue name: 1-32 of a-z 0-9 -, starting with a letter. */
export function assertQueueName(queue: string): string {
  if (!QUEUE.test(queue)) {
    throw new InvalidSubjectTokenError(`queue "${queue.slice(0, 40)}" must be 1-32 of a-z 0-9 - starting with a letter`);
  }
  return queue;
}

/** How long a scan's progress entry stays in the `discovery-scans` bucket (7 days). */
export const DISCOVERY_SCANS_TTL_MS = 7 * 86_400_000;

// The event names belong to the domain's contracts; the bus only builds subjects from them.
export type { AlertKind, DeviceEvent, EndpointEvent, SessionEvent } from '@switch-telemetry/contracts';

/** Names of every stream, bucket and subject, built once from the options. */
export interface Topology {
  namespace: string;
  streams: { telemetry: StreamSpec; events: StreamSpec; jobs: StreamSpec };
  buckets: { collectors: BucketSpec; deviceLeases: BucketSpec; sessions: BucketSpec; hostKeys: BucketSpec; discoveryScans: BucketSpec };
  subjects: {
    telemetry(device: string, subscription: string): string;
    deviceEvent(event: DeviceEvent): string;
    sessionEvent(event: SessionEvent): string;
    alert(kind: AlertKind): string;
    /** Every alert: the notifier's consumer filter. */
    alerts(): string;
    endpointEvent(event: EndpointEvent): string;
    /** Every device event / endpoint event: filters. */
    deviceEvents(): string;
    endpointEvents(): string;
    webhookEvent(source: string, event: string): string;
    job(queue: string, worker: string): string;
    /** Every job of one queue: the queue consumer's filter. */
    jobQueue(queue: string): string;
    /** A job waiting for its run time (retry backoff, snooze, run-at); the scheduler moves it to its queue when due. */
    scheduledJob(queue: string, worker: string): string;
    /** Every waiting job: the scheduler consumer's filter. */
    scheduledJobs(): string;
  };
}

/** The topology of docs/CONTRACTS.md, optionally under a namespace. */
export function createTopology(options: TopologyOptions = {}): Topology {
  const ns = options.namespace ?? '';
  if (ns !== '' && !/^[A-Za-z0-9_]{1,32}$/.test(ns)) {
    throw new InvalidSubjectTokenError(`namespace "${ns.slice(0, 40)}" must be 1-32 of A-Z a-z 0-9 _`);
  }
  const stream = (name: string) => (ns ? `${ns}_${name}` : name);
  const bucket = (name: string) => (ns ? `${ns}-${name}` : name);
  const subject = (s: string) => (ns ? `${ns}.${s}` : s);
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
    throw new RangeError(`replicas must be 1 to 5 (JetStream's limit), not ${replicas}`);

  const topology: Topology = {
    namespace: ns,
    streams: {
      telemetry: {
        name: stream('TELEMETRY'),
        subjects: [subject('telemetry.>')],
        retention: 'limits',
        maxAgeMs: options.telemetryMaxAgeMs ?? TELEMETRY_MAX_AGE_MS,
        maxBytes: options.telemetryMaxBytes ?? TELEMETRY_MAX_BYTES,
        duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
        replicas,
      },
      events: {
        name: stream('EVENTS'),
        subjects: [subject('events.>')],
        retention: 'limits',
        maxAgeMs: EVENTS_MAX_AGE_MS,
        maxBytes: -1,
        duplicateWindowMs: options.duplicateWindowMs ?? EVENTS_DUPLICATE_WINDOW_MS,
        replicas,
      },
      jobs: {
        name: stream('JOBS'),
        subjects: [subject('jobs.>')],
        retention: 'workqueue',
        maxAgeMs: 0,
        maxBytes: -1,
        duplicateWindowMs: options.duplicateWindowMs ?? JOBS_DUPLICATE_WINDOW_MS,
        replicas,
      },
    },
    buckets: {
      collectors: {
        name: bucket('collectors'),
        ttlMs: options.collectorHeartbeatTtlMs ?? COLLECTOR_HEARTBEAT_TTL_MS,
        history: 1,
        replicas,
      },
      // Leases do not expire: one is as good as its holder's heartbeat in `collectors`.
      deviceLeases: { name: bucket('device-leases'), ttlMs: 0, history: 1, replicas },
      sessions: { name: bucket('sessions'), ttlMs: 0, history: 1, replicas },
      // SSH host keys learned by trust-on-first-use, per device: kept across restarts and shared by replicas.
      hostKeys: { name: bucket('host-keys'), ttlMs: 0, history: 1, replicas },
      // A discovery scan's progress, one entry per scan, for a week (the scan's summary stays in PostgreSQL).
      discoveryScans: { name: bucket('discovery-scans'), ttlMs: DISCOVERY_SCANS_TTL_MS, history: 1, replicas },
    },
    subjects: {
      telemetry: (device, subscription) =>
        subject(`telemetry.${assertSubjectToken('device', device)}.${assertSubjectToken('subscription', subscription)}`),
      deviceEvent: (event) => subject(`events.device.${event}`),
      sessionEvent: (event) => subject(`events.session.${event}`),
      alert: (kind) => subject(`events.alert.${assertSubjectToken('alert kind', kind)}`),
      alerts: () => subject('events.alert.>'),
      endpointEvent: (event) => subject(`events.endpoint.${event}`),
      deviceEvents: () => subject('events.device.>'),
      endpointEvents: () => subject('events.endpoint.>'),
      webhookEvent: (source, event) =>
        subject(`events.webhook.${assertSubjectToken('webhook source', source)}.${assertSubjectPath('webhook event', event)}`),
      job: (queue, worker) => subject(`jobs.${assertQueueName(queue)}.${assertSubjectToken('worker', worker)}`),
      jobQueue: (queue) => subject(`jobs.${assertQueueName(queue)}.>`),
      scheduledJob: (queue, worker) => subject(`jobs.${SCHEDULED_TOKEN}.${assertQueueName(queue)}.${assertSubjectToken('worker', worker)}`),
      scheduledJobs: () => subject(`jobs.${SCHEDULED_TOKEN}.>`),
    },
  };
  return Object.freeze(topology);
}

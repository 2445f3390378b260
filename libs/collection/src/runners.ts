import { hostPort, type Device, type Subscription } from '@switch-telemetry/contracts';
import { subscriptionKey } from './reconcile';
import type { Logger } from '@switch-telemetry/logging';
import { GnmiClient, messageHead, parsePath, subscribeResponseToJson, type Encoding, type SubscriptionMode } from '@switch-telemetry/gnmi';
import {
  HostKeyMismatchError,
  connectNetconf,
  memoryHostKeyStore,
  normalizeNotification as normalizeNetconf,
  normalizeReply,
  type Filter,
  type HostKeyStore,
} from '@switch-telemetry/netconf';
import type { DeviceSecrets } from './credentials';

/** What a protocol runner produces: one telemetry message, serialised (JSON), at a time. */
export interface Emitted {
  subscription: string;
  /** The telemetry message (version 1) as JSON bytes. */
  data: Uint8Array;
  /** How many updates it carries (metrics). */
  updates: number;
}

/** A message object as JSON bytes, for runners that build the object first (NETCONF). */
export function serialised(subscription: string, message: { updates: unknown[] }): Emitted {
  return { subscription, data: Buffer.from(JSON.stringify(message)), updates: message.updates.length };
}

export interface RunContext {
  device: Device;
  /** Credentials and trust files, resolved from the names on the device. */
  secrets: DeviceSecrets;
  log: Logger;
  signal: AbortSignal;
  /** The session reached a state. */
  state(state: 'up' | 'synced'): void;
  /** Hands one message on; when it returns a promise, the runner waits for it before reading on (backpressure). */
  emit(emitted: Emitted): void | Promise<void>;
  /**
   * A runner that can change subscriptions on its live connection registers
   * here and is told the device's new subscriptions; one that does not is
   * restarted when they change.
   */
  watchSubscriptions?(listener: (subscriptions: Subscription[]) => void): void;
}

/** Runs one device's session until it ends (resolves) or fails (throws); `signal` stops it. */
export type ProtocolRunner = (ctx: RunContext) => Promise<void>;

/** Where trust-on-first-use SSH host keys are kept, per device, across restarts and replicas. */
export interface TrustedHostKeys {
  /** The fingerprint recorded for the device, if any. */
  get(device: string): Promise<string | undefined>;
  /** Records the first fingerprint seen; resolves false when another one was recorded first. */
  record(device: string, fingerprint: string): Promise<boolean>;
}

export interface RunnerOptions {
  connectTimeoutMs: number;
  keepaliveMs: number;
  /** NETCONF trust-on-first-use keys (when a device asks for it); in memory when absent. */
  hostKeys?: TrustedHostKeys;
}

/** Trust-on-first-use keys in memory (tests, one process). */
export function memoryTrustedHostKeys(): TrustedHostKeys {
  const keys = new Map<string, string>();
  return {
    get: async (device) => keys.get(device),
    record: async (device, fingerprint) => {
      const known = keys.get(device);
      if (known === undefined) keys.set(device, fingerprint);
      return known === undefined || known === fingerprint;
    },
  };
}

const GNMI_MODES: Record<string, SubscriptionMode> = { sample: 'SAMPLE', on_change: 'ON_CHANGE', target_defined: 'TARGET_DEFINED' };

function abortable(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/**
 * The abort reason of a session that stops for good (a handover, a shutdown,
 * a fence): its streams end in the quiet after their next notification. Any
 * other abort (a restart, a stale session) cancels at once.
 */
export const SESSION_STOP = 'session stopped';

/** A stopping sample stream waits for its next notification at most its interval and this much more… */
const STOP_MARGIN_MS = 250;
/**
 * …and never more than this: a member whose heartbeat is late begins to stop
 * its sessions 6-6.5 s after its last heartbeat (3/4 of the 8 s TTL, checked
 * every 0.5 s) and must be done before another member may take its devices
 * at the TTL. Enough for a one-second sample interval and its margin.
 */
export const STOP_WAIT_MAX_MS = 1_250;

/** gNMI: one Subscribe stream per subscription of the device. */
export function gnmiRunner(options: RunnerOptions): ProtocolRunner {
  return async (ctx) => {
    const { device, secrets } = ctx;
    const tls = device.tls.plaintext
      ? false
      : {
          ...(secrets.ca ? { ca: secrets.ca } : {}),
          ...(secrets.clientCert ? { cert: secrets.clientCert.certificate, key: secrets.clientCert.privateKey } : {}),
          ...(device.tls.server_name ? { serverName: device.tls.server_name } : {}),
          ...(device.tls.insecure_skip_verify ? { insecureSkipVerify: true } : {}),
        };
    const client = new GnmiClient({
      address: hostPort(device.address, device.port),
      tls,
      log: ctx.log,
      connectTimeoutMs: options.connectTimeoutMs,
      keepaliveMs: options.keepaliveMs,
      ...(secrets.credentials.username !== undefined ? { username: secrets.credentials.username } : {}),
      ...(secrets.credentials.password !== undefined ? { password: secrets.credentials.password } : {}),
    });
    const wanted = (subs: readonly Subscription[]) => subs.filter((s) => GNMI_MODES[s.mode]);
    // One Subscribe stream per subscription, by name: a change of the
    // subscriptions cancels and starts only the streams that changed.
    const streams = new Map<string, { key: string; cancel(): void; stopAfterNext(): Promise<void> }>();
    let synced = new Set<string>();
    let current = wanted(device.effective_subscriptions);
    // The run ends when a stream fails or the device ends one (not one we cancelled), or when it is stopped.
    let endRun!: (error?: unknown) => void;
    const ended = new Promise<void>((resolve, reject) => {
      endRun = (error?: unknown) => (error === undefined ? resolve() : reject(error));
    });
    ended.catch(() => undefined);
    // A stop cancels each stream just after its next notification, not at once: gNMI has no acknowledgement, and a
    // cancel that crosses a notification on the wire loses it. Right after a sample the next is an interval away, so
    // nothing is in flight; a stream that sends nothing within its wait is cancelled at the end of it.
    const onAbort = () => {
      const quiet = ctx.signal.reason === SESSION_STOP;
      void Promise.all([...streams.values()].map((s) => (quiet ? s.stopAfterNext() : s.cancel()))).then(() => {
        client.close();
        endRun();
      });
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const open = (sub: Subscription) => {
      const stream = client.subscribeRaw({
        mode: 'STREAM',
        encoding: ((sub.options?.encoding as string | undefined)?.toUpperCase() as Encoding | undefined) ?? 'JSON_IETF',
        subscription: sub.paths.map((p) => ({
          path: parsePath(p),
          mode: GNMI_MODES[sub.mode]!,
          ...(sub.interval_ms ? { sample_interval: String(BigInt(sub.interval_ms) * 1_000_000n) } : {}),
        })),
      });
      // Set while a stop waits for this stream's next notification.
      let stopNow: (() => void) | undefined;
      let ended = false;
      const entry = {
        key: subscriptionKey(sub),
        cancel: () => stream.cancel(),
        stopAfterNext: () =>
          new Promise<void>((resolve) => {
            if (ended) return resolve();
            const wait = sub.mode === 'sample' ? Math.min((sub.interval_ms ?? 0) + STOP_MARGIN_MS, STOP_WAIT_MAX_MS) : 0;
            const timer = setTimeout(() => stopNow?.(), wait);
            stopNow = () => {
              stopNow = undefined;
              clearTimeout(timer);
              stream.cancel();
              resolve();
            };
            if (wait === 0) stopNow();
          }),
      };
      streams.set(sub.name, entry);
      // The hot path: protobuf bytes straight to the message's JSON, no object tree in between.
      const head = messageHead(device.id, sub.name);
      stream
        .run((bytes) => {
          const response = subscribeResponseToJson(bytes, head);
          if (response.kind === 'update') {
            const wait = ctx.emit({ subscription: sub.name, data: response.data, updates: response.updates });
            // Stopping: this was the notification to wait for (handed on above); the stream ends in the quiet after it.
            if (stopNow) return stopNow();
            return wait;
          }
          if (response.kind === 'sync' && streams.get(sub.name) === entry) {
            synced.add(sub.name);
            if (synced.size === current.length) ctx.state('synced');
          }
        })
        .finally(() => {
          ended = true;
          stopNow?.();
        })
        .then(
          // While a stop waits for the other streams, one ending does not end the run.
          () => !ctx.signal.aborted && streams.get(sub.name) === entry && endRun(),
          (err: unknown) => !ctx.signal.aborted && streams.get(sub.name) === entry && endRun(err),
        );
    };

    const change = (subscriptions: Subscription[]) => {
      if (ctx.signal.aborted) return;
      try {
        resubscribe(subscriptions);
      } catch (err) {
        // A subscription that cannot be opened (a path that does not parse): the run ends with the error, the session shows it.
        endRun(err);
      }
    };
    const resubscribe = (subscriptions: Subscription[]) => {
      const next = wanted(subscriptions);
      const nextByName = new Map(next.map((s) => [s.name, s]));
      for (const [name, stream] of [...streams]) {
        const sub = nextByName.get(name);
        if (!sub || subscriptionKey(sub) !== stream.key) {
          streams.delete(name);
          synced.delete(name);
          stream.cancel();
        }
      }
      current = next;
      synced = new Set([...synced].filter((name) => nextByName.has(name)));
      for (const sub of next) if (!streams.has(sub.name)) open(sub);
      ctx.log.info({ device: device.id, subscriptions: next.map((s) => s.name) }, 'subscriptions changed on the live connection');
    };

    try {
      await client.connect();
      // Aborted while connecting: the client is closed; do not subscribe on it.
      if (ctx.signal.aborted) return;
      ctx.state('up');
      for (const sub of current) open(sub);
      ctx.watchSubscriptions?.(change);
      await ended;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      for (const s of streams.values()) s.cancel();
      client.close();
    }
  };
}

function filterOf(paths: string[]): Filter | undefined {
  const first = paths[0];
  if (!first) return undefined;
  return first.trim().startsWith('<') ? { subtree: first } : { xpath: first };
}

/** NETCONF: `get` subscriptions poll at their interval; `notification` subscriptions follow a notification stream. */
export function netconfRunner(options: RunnerOptions): ProtocolRunner {
  const trusted = options.hostKeys ?? memoryTrustedHostKeys();
  return async (ctx) => {
    const { device, secrets } = ctx;
    const fingerprints = [...(device.host_key.fingerprints ?? [])];
    // Trust on first use: a key recorded earlier (by any replica) is pinned; otherwise the first one seen is.
    let firstSeen: HostKeyStore | undefined;
    if (device.host_key.trust_on_first_use) {
      const recorded = await trusted.get(device.id);
      if (recorded) fingerprints.push(recorded);
      else firstSeen = memoryHostKeyStore();
    }
    const hostKey = {
      ...(fingerprints.length ? { fingerprints } : {}),
      ...(secrets.knownHosts !== undefined ? { knownHosts: secrets.knownHosts } : {}),
      ...(firstSeen ? { trustOnFirstUse: { store: firstSeen } } : {}),
    };
    const connection = await connectNetconf({
      host: device.address,
      port: device.port,
      username: secrets.credentials.username ?? '',
      hostKey,
      log: ctx.log,
      connectTimeoutMs: options.connectTimeoutMs,
      keepaliveMs: options.keepaliveMs,
      ...(secrets.credentials.password !== undefined ? { password: secrets.credentials.password } : {}),
      ...(secrets.credentials.privateKey !== undefined ? { privateKey: secrets.credentials.privateKey } : {}),
    });
    const learned = firstSeen?.get(`${device.address}:${device.port}`);
    if (learned && !(await trusted.record(device.id, learned).catch(() => false))) {
      await connection.close().catch(() => undefined);
      throw new HostKeyMismatchError('another host key was recorded for this device first: refused', { details: { seen: learned } });
    }
    const onAbort = () => void connection.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Aborted while connecting: the listener came too late to hear it.
    if (ctx.signal.aborted) onAbort();
    try {
      ctx.state('up');
      const polls = device.effective_subscriptions.filter((s) => s.mode === 'get' || s.mode === 'poll');
      const streams = device.effective_subscriptions.filter((s) => s.mode === 'notification');
      // Synced once every poll has answered once and the notification stream is open.
      let toSync = polls.length + Math.min(streams.length, 1);
      const oneSynced = () => {
        if (--toSync === 0) ctx.state('synced');
      };
      // One listener on the signal for the whole run (one per poll would pile up for as long as the session lives).
      const aborted = abortable(ctx.signal);
      // A closed session ends the run at once (a poll loop may be sleeping for its interval).
      let closedBy: Error | undefined;
      const done = new Promise<void>((resolve) =>
        connection.session.onClose((error) => {
          closedBy = error;
          resolve();
        }),
      );
      // Each task is marked handled at once: if the run ends early (a failed
      // create-subscription, a closed session), a poll that fails afterwards
      // must not become an unhandled rejection (it was fatal to the process).
      const handled = (task: Promise<void>) => {
        task.catch(() => undefined);
        return task;
      };
      const tasks = polls.map((sub) => handled(poll(sub)));
      async function poll(sub: (typeof polls)[number]): Promise<void> {
        const filter = filterOf(sub.paths);
        for (let first = true; !ctx.signal.aborted; first = false) {
          const reply = await connection.session.get(filter);
          await ctx.emit(serialised(sub.name, normalizeReply(reply, device.id, sub.name)));
          if (first) oneSynced();
          await Promise.race([new Promise((r) => setTimeout(r, sub.interval_ms ?? 10_000).unref()), aborted, done]);
        }
      }
      for (const sub of streams.slice(0, 1)) {
        // RFC 5277 allows one subscription per session.
        const filter = filterOf(sub.paths);
        await connection.session.createSubscription({
          stream: (sub.options?.stream as string | undefined) ?? 'NETCONF',
          ...(filter ? { filter } : {}),
        });
        oneSynced();
        tasks.push(
          handled(
            (async () => {
              for await (const n of connection.session.notificationStream()) {
                await ctx.emit(serialised(sub.name, normalizeNetconf(n, device.id, sub.name)));
              }
            })(),
          ),
        );
      }
      if (tasks.length === 0) ctx.state('synced');
      // Until every poll loop and the notification stream end: a closed session fails them, a stop ends them.
      await Promise.race([tasks.length > 0 ? Promise.all(tasks) : aborted, done]);
      if (closedBy && !ctx.signal.aborted) throw closedBy;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await connection.close().catch(() => undefined);
    }
  };
}

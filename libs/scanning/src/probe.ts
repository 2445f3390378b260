import { setMaxListeners } from 'node:events';
import { Socket } from 'node:net';

/** Probes in flight at once by default: enough to cover a /16 in seconds, far below the open-file limit. */
export const DEFAULT_CONCURRENCY = 2_048;
/** How long one TCP connect may take before the port counts as timed out. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1_000;
/** Probes started per second at most, across the whole scan (a global cap, so a scan cannot flood a network). */
export const DEFAULT_RATE_PER_S = 20_000;

export type ProbeOutcome = 'open' | 'refused' | 'timeout' | 'error';

/** One TCP connect to `host:port`: open (then closed at once), refused, timed out, or another error (unreachable, reset). */
export function probe(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  if (signal?.aborted) return Promise.resolve('error');
  return new Promise((resolve) => {
    const socket = new Socket();
    let done = false;
    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const onAbort = () => finish('error');
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'error'));
    socket.connect({ host, port });
  });
}

export interface ScanCounts {
  /** Addresses all of whose ports have been probed. */
  probed: number;
  total: number;
  open: number;
  refused: number;
  timeout: number;
  errors: number;
}

export interface PortScanOptions {
  hosts: Iterable<string>;
  total: number;
  ports: readonly number[];
  concurrency?: number;
  timeoutMs?: number;
  ratePerS?: number;
  signal?: AbortSignal;
  /** Called for each open port as it is found. */
  onOpen?: (host: string, port: number) => void;
  /** Called at most every `progressEveryMs` with the counts so far, and once at the end. */
  onProgress?: (counts: ScanCounts) => void;
  progressEveryMs?: number;
}

/**
 * TCP-connects to every port of every host, at most `concurrency` at once and `ratePerS` started per second,
 * each bounded by `timeoutMs`; stops early when `signal` aborts. Answers the counts: every probe ends as exactly
 * one of open, refused, timeout or error.
 */
export async function scanPorts(options: PortScanOptions): Promise<ScanCounts> {
  const counts: ScanCounts = { probed: 0, total: options.total, open: 0, refused: 0, timeout: 0, errors: 0 };
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const interval = 1_000 / (options.ratePerS ?? DEFAULT_RATE_PER_S);
  const every = options.progressEveryMs ?? 500;
  let lastProgress = 0;
  const started = performance.now();
  let startedProbes = 0;
  const hosts = options.hosts[Symbol.iterator]();
  // Every probe in flight listens on the scan's signal: thousands, by design.
  if (options.signal) setMaxListeners(concurrency + 16, options.signal);

  const lane = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const next = hosts.next();
      if (next.done) return;
      const host = next.value;
      for (const port of options.ports) {
        // The rate cap: probe n may start no earlier than n × interval after the scan began.
        const due = started + startedProbes * interval;
        startedProbes += 1;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (options.signal?.aborted) return;
        const outcome = await probe(host, port, timeoutMs, options.signal);
        if (outcome === 'open') {
          counts.open += 1;
          options.onOpen?.(host, port);
        } else if (outcome === 'refused') counts.refused += 1;
        else if (outcome === 'timeout') counts.timeout += 1;
        else counts.errors += 1;
      }
      counts.probed += 1;
      const now = performance.now();
      if (options.onProgress && now - lastProgress >= every) {
        lastProgress = now;
        options.onProgress({ ...counts });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, options.total)) }, lane));
  options.onProgress?.({ ...counts });
  return counts;
}

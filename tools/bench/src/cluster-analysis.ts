// What the cluster drill reports, worked out from two ledgers: what each
// simulated device sent (its notifications' timestamps) and what JetStream
// stored (each message's device, timestamp and prefix, and when it was stored).
// Kept apart from the drill so the arithmetic is tested on its own.

/** One message read back from the TELEMETRY stream. */
export interface StoredMessage {
  device: string;
  /** The notification's timestamp, nanoseconds as a decimal string (the device's own). */
  ts: string;
  prefix: string;
  /** When JetStream stored it, ms since the epoch. */
  storedAtMs: number;
}

/** A fault: when it struck. A step may hold several (a rolling restart has one per collector). */
export interface Step {
  name: string;
  /** The step's window, ms since the epoch: gaps and losses of notifications sent in it are the step's. */
  from: number;
  to: number;
  faults: number[];
  /** When the collectors last said, after each fault, that every device was owned and synced (ms since the epoch). */
  settled: number[];
}

export interface StepReport {
  step: string;
  /** Notifications a device sent in the step's window that were never stored. */
  lost: number;
  /** Of those, the ones sent within half a second of a collector's SIGKILL (what the killed process held or was sent). */
  lost_at_kill: number;
  /** Stored copies beyond the first of one notification. */
  duplicates: number;
  /** The longest time between two stored notifications of one device, of the gaps that end in the window (s). */
  max_gap_s: number;
  /** From each fault until every device's telemetry sent after it is stored and the collectors own and sync every device (s; the worst). */
  recovery_s: number | null;
}

/**
 * gNMI has no acknowledgement: what a collector had read from a device but
 * not yet handed to JetStream dies with it, and so does what a device writes
 * to the dead connection before it sees it close. Notifications sent this
 * close to a collector's SIGKILL (before or after) and never stored are
 * counted apart from other loss.
 */
export const KILL_WINDOW_MS = 500;

export const nsToMs = (ns: string): number => Number(BigInt(ns) / 1_000_000n);

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The per-step figures. `sent` is, per device, how many notifications it
 * sent with each timestamp; `end` closes the run (a device silent since its
 * last stored message shows that silence as a gap); `kills` are the moments
 * a collector was killed (for `lost_at_kill`).
 */
export function analyse(input: {
  devices: readonly string[];
  sent: ReadonlyMap<string, ReadonlyMap<string, number>>;
  stored: readonly StoredMessage[];
  steps: readonly Step[];
  start: number;
  end: number;
  kills?: readonly number[];
}): {
  steps: StepReport[];
  total: { sent: number; stored: number; lost: number; duplicates: number };
  /** The first few notifications lost: device and timestamp (ms). */
  lostExamples: Array<{ device: string; ts_ms: number }>;
} {
  // Per device and timestamp: the distinct prefixes stored and how many copies.
  const copies = new Map<string, Map<string, { prefixes: Set<string>; total: number }>>();
  // Per device, when each of its notifications was stored, by device time.
  const times = new Map<string, Array<{ ts: number; storedAt: number }>>();
  for (const m of input.stored) {
    let byTs = copies.get(m.device);
    if (!byTs) copies.set(m.device, (byTs = new Map()));
    let entry = byTs.get(m.ts);
    if (!entry) byTs.set(m.ts, (entry = { prefixes: new Set(), total: 0 }));
    entry.prefixes.add(m.prefix);
    entry.total += 1;
    let list = times.get(m.device);
    if (!list) times.set(m.device, (list = []));
    list.push({ ts: nsToMs(m.ts), storedAt: m.storedAtMs });
  }
  for (const list of times.values()) list.sort((a, b) => a.ts - b.ts);

  const stepOf = (ms: number) => input.steps.findIndex((s) => ms >= s.from && ms < s.to);
  const lost = input.steps.map(() => 0);
  const lostAtKill = input.steps.map(() => 0);
  const duplicates = input.steps.map(() => 0);
  const total = { sent: 0, stored: input.stored.length, lost: 0, duplicates: 0 };
  const lostExamples: Array<{ device: string; ts_ms: number }> = [];
  for (const [device, byTs] of input.sent) {
    for (const [ts, count] of byTs) {
      total.sent += count;
      const missing = Math.max(0, count - (copies.get(device)?.get(ts)?.prefixes.size ?? 0));
      if (missing === 0) continue;
      total.lost += missing;
      const ms = nsToMs(ts);
      if (lostExamples.length < 10) lostExamples.push({ device, ts_ms: ms });
      const i = stepOf(ms);
      if (i < 0) continue;
      lost[i]! += missing;
      if ((input.kills ?? []).some((k) => Math.abs(ms - k) <= KILL_WINDOW_MS)) lostAtKill[i]! += missing;
    }
  }
  for (const byTs of copies.values()) {
    for (const [ts, entry] of byTs) {
      const extra = entry.total - entry.prefixes.size;
      if (extra === 0) continue;
      total.duplicates += extra;
      const i = stepOf(nsToMs(ts));
      if (i >= 0) duplicates[i]! += extra;
    }
  }

  const steps = input.steps.map((step, i): StepReport => {
    let maxGap = 0;
    for (const device of input.devices) {
      // The run's start and end stand for a stored message: a device never stored, or silent at the end, shows it.
      const points = [input.start, ...(times.get(device) ?? []).map((t) => t.ts), input.end];
      // A gap is the step's when it ends in the step: the silence a fault causes ends after the fault.
      for (let k = 1; k < points.length; k += 1) {
        const [a, b] = [points[k - 1]!, points[k]!];
        if (b > step.from && b <= step.to) maxGap = Math.max(maxGap, b - a);
      }
    }
    let recovery: number | null = 0;
    step.faults.forEach((fault, f) => {
      let worst = (step.settled[f] ?? Infinity) - fault;
      for (const device of input.devices) {
        const next = (times.get(device) ?? []).filter((t) => t.ts >= fault).reduce((a, t) => Math.min(a, t.storedAt), Infinity);
        worst = Math.max(worst, next - fault);
      }
      recovery = recovery === null || !Number.isFinite(worst) ? null : Math.max(recovery, worst);
    });
    return {
      step: step.name,
      lost: lost[i]!,
      lost_at_kill: lostAtKill[i]!,
      duplicates: duplicates[i]!,
      max_gap_s: round(maxGap / 1000),
      recovery_s: recovery === null ? null : round(recovery / 1000),
    };
  });
  return { steps, total, lostExamples };
}

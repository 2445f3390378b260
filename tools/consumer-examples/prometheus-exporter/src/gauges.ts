import { Counter, Gauge, type Registry } from 'prom-client';
import { fullPath, numericValue, type TelemetryConsumerLogger, type TelemetryMessage } from '@switch-telemetry/consumer';

/**
 * `*` matches within one path element, `**` across elements. Globs match the
 * path without its keys and origin (`/interfaces/interface/state/counters/*`
 * matches `openconfig:/interfaces/interface[name=Ethernet1]/state/counters/in-octets`).
 */
export function compileGlob(glob: string): RegExp {
  const body = glob
    .split('/')
    .map((part) =>
      part === '**'
        ? '.*'
        : part
            .split('*')
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
    )
    .join('/');
  return new RegExp(`^${body}$`);
}

const ORIGIN = /^[A-Za-z0-9_-]+:(?=\/)/;
const NAME_KEY = /\[name=((?:[^\]\\]|\\.)*)\]/;
const ANY_KEY = /\[[^\]=]+=(?:[^\]\\]|\\.)*\]/g;

export interface SeriesLabels {
  device: string;
  /** The value of the first `[name=...]` key of the path; empty when there is none. */
  interface: string;
  /** The full path with that key taken out (other keys stay, so series stay apart). */
  path: string;
}

/** Labels of one leaf; `path` is prefix + update path. */
export function labelsOf(device: string, path: string): SeriesLabels {
  const name = NAME_KEY.exec(path);
  return { device, interface: name ? name[1]!.replace(/\\(.)/g, '$1') : '', path: name ? path.replace(NAME_KEY, '') : path };
}

// Device counters are cumulative: a leaf in a `counters` container is exported as a Prometheus counter.
const COUNTER_LEAF = /\/counters\/[^/]+$/;

interface Series {
  labels: SeriesLabels;
  rawPath: string;
  value: number;
  counter: boolean;
}

export interface TelemetryGaugesOptions {
  registry: Registry;
  paths: readonly string[];
  maxSeries: number;
  log: TelemetryConsumerLogger;
  /** How often a dropped-series warning may be logged (default 60 s). */
  dropLogEveryMs?: number;
}

/**
 * The latest value of every numeric leaf that matches a glob, one series
 * per device + interface + path, at most `maxSeries` of them: an update
 * that would add one more is dropped, counted and logged (once a minute).
 */
export class TelemetryGauges {
  private readonly series = new Map<string, Series>();
  private readonly globs: RegExp[];
  private readonly dropped: Counter;
  private readonly messages: Counter;
  private droppedSinceLog = 0;
  private lastDropLog = 0;

  constructor(private readonly options: TelemetryGaugesOptions) {
    this.globs = options.paths.map(compileGlob);
    const series = this.series;
    const labelNames = ['device', 'interface', 'path'] as const;
    new Gauge({
      name: 'switch_telemetry_value',
      help: 'Latest numeric value of a telemetry leaf (gauge-like leaves: everything outside a counters container)',
      labelNames,
      registers: [options.registry],
      collect() {
        this.reset();
        for (const s of series.values()) if (!s.counter) this.set(s.labels, s.value);
      },
    });
    new Counter({
      name: 'switch_telemetry_counter_total',
      help: "A device's cumulative counter (leaves of a counters container), as the device reports it",
      labelNames,
      registers: [options.registry],
      collect() {
        this.reset();
        for (const s of series.values()) if (s.counter && s.value >= 0) this.inc(s.labels, s.value);
      },
    });
    new Gauge({
      name: 'telemetry_exporter_series',
      help: 'Series held now',
      registers: [options.registry],
      collect() {
        this.set(series.size);
      },
    });
    this.dropped = new Counter({
      name: 'telemetry_exporter_dropped_updates_total',
      help: 'Updates not exported because the series limit (EXPORTER_MAX_SERIES) was reached',
      registers: [options.registry],
    });
    this.messages = new Counter({
      name: 'telemetry_exporter_messages_total',
      help: 'Telemetry messages applied',
      registers: [options.registry],
    });
  }

  get size(): number {
    return this.series.size;
  }

  apply(message: TelemetryMessage): void {
    this.messages.inc();
    for (const del of message.deletes) this.delete(message.device, fullPath(message.prefix, del));
    for (const update of message.updates) {
      const value = numericValue(update.value);
      if (value === undefined) continue;
      const path = fullPath(message.prefix, update.path);
      const plain = path.replace(ORIGIN, '').replace(ANY_KEY, '');
      if (!this.globs.some((g) => g.test(plain))) continue;
      const labels = labelsOf(message.device, path);
      const key = `${labels.device}\u0000${labels.interface}\u0000${labels.path}`;
      const existing = this.series.get(key);
      if (existing) {
        existing.value = value;
      } else if (this.series.size < this.options.maxSeries) {
        this.series.set(key, { labels, rawPath: path, value, counter: COUNTER_LEAF.test(plain) });
      } else {
        this.drop(labels);
      }
    }
  }

  private delete(device: string, path: string): void {
    for (const [key, s] of this.series) {
      if (s.labels.device === device && (s.rawPath === path || s.rawPath.startsWith(`${path}/`))) this.series.delete(key);
    }
  }

  private drop(labels: SeriesLabels): void {
    this.dropped.inc();
    this.droppedSinceLog += 1;
    const now = Date.now();
    if (now - this.lastDropLog < (this.options.dropLogEveryMs ?? 60_000)) return;
    this.options.log.warn(
      { dropped: this.droppedSinceLog, maxSeries: this.options.maxSeries, example: labels },
      'series limit reached; updates of new series are dropped',
    );
    this.lastDropLog = now;
    this.droppedSinceLog = 0;
  }
}

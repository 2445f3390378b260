import type { PathElem } from '@switch-telemetry/gnmi';

/** One leaf of the simulated state tree, under an entity prefix (an interface, the system). */
export interface Leaf {
  prefix: PathElem[];
  rel: PathElem[];
  kind: 'counter' | 'status' | 'gauge';
  value: bigint | string | number;
  /** Bumped on every change; suppress_redundant compares it. */
  version: number;
}

// Counters start somewhere realistic and grow per tick by up to these.
const OCTETS_PER_TICK = 12_500_000n;
const PKTS_PER_TICK = 10_000n;

const el = (name: string, key?: Record<string, string>): PathElem => (key ? { name, key } : { name });

/**
 * OpenConfig-like state of one simulated switch: interfaces with counters
 * and oper-status, CPU and memory. `tick()` advances counters; `flap()`
 * changes one interface's oper-status.
 */
export class DeviceModel {
  readonly leaves: Leaf[] = [];
  private seed: number;

  constructor(interfaces: number, seed: number) {
    this.seed = seed || 1;
    for (let i = 1; i <= interfaces; i += 1) {
      const prefix = [el('interfaces'), el('interface', { name: `Ethernet${i}` })];
      for (const counter of ['in-octets', 'out-octets', 'in-pkts', 'out-pkts', 'in-errors']) {
        this.leaves.push({
          prefix,
          rel: [el('state'), el('counters'), el(counter)],
          kind: 'counter',
          value: BigInt(Math.floor(this.random() * 1e12)),
          version: 0,
        });
      }
      this.leaves.push({ prefix, rel: [el('state'), el('oper-status')], kind: 'status', value: 'UP', version: 0 });
    }
    const system = [el('system')];
    this.leaves.push({
      prefix: system,
      rel: [el('cpus'), el('cpu', { index: '0' }), el('state'), el('total'), el('instant')],
      kind: 'gauge',
      value: 5,
      version: 0,
    });
    this.leaves.push({
      prefix: system,
      rel: [el('memory'), el('state'), el('physical')],
      kind: 'counter',
      value: 16n * 1024n ** 3n,
      version: 0,
    });
    this.leaves.push({
      prefix: system,
      rel: [el('memory'), el('state'), el('used')],
      kind: 'counter',
      value: 6n * 1024n ** 3n,
      version: 0,
    });
  }

  /** A deterministic pseudo-random number in [0, 1) (so a run can be repeated). */
  random(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return this.seed / 0x7fffffff;
  }

  /** Counters grow, CPU moves. */
  tick(): void {
    for (const leaf of this.leaves) {
      if (leaf.kind === 'counter' && leaf.rel[leaf.rel.length - 1]!.name !== 'physical') {
        const name = leaf.rel[leaf.rel.length - 1]!.name;
        const step = name.endsWith('octets') ? OCTETS_PER_TICK : name === 'in-errors' ? 1n : PKTS_PER_TICK;
        leaf.value = (leaf.value as bigint) + BigInt(Math.floor(this.random() * Number(step)));
        leaf.version += 1;
      } else if (leaf.kind === 'gauge') {
        leaf.value = Math.round(this.random() * 1000) / 10;
        leaf.version += 1;
      }
    }
  }

  /** One interface goes down or up; returns its leaf. */
  flap(): Leaf {
    const statuses = this.leaves.filter((l) => l.kind === 'status');
    const leaf = statuses[Math.floor(this.random() * statuses.length)]!;
    leaf.value = leaf.value === 'UP' ? 'DOWN' : 'UP';
    leaf.version += 1;
    return leaf;
  }
}

function elemMatches(pattern: PathElem, elem: PathElem): boolean {
  if (pattern.name !== '*' && pattern.name !== elem.name) return false;
  for (const [key, value] of Object.entries(pattern.key ?? {})) {
    if (value !== '*' && elem.key?.[key] !== value) return false;
  }
  return true;
}

/** True when the (absolute) pattern covers the leaf: every element matches, `...` any depth. */
export function matches(pattern: PathElem[], leaf: Leaf): boolean {
  const full = [...leaf.prefix, ...leaf.rel];
  const walk = (p: number, f: number): boolean => {
    if (p === pattern.length) return true; // a prefix of the leaf covers it
    if (pattern[p]!.name === '...') return Array.from({ length: full.length - f + 1 }, (_, k) => k).some((k) => walk(p + 1, f + k));
    if (f === full.length) return false;
    return elemMatches(pattern[p]!, full[f]!) && walk(p + 1, f + 1);
  };
  return walk(0, 0);
}

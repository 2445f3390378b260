import { analyse, type StoredMessage } from '../src/cluster-analysis';

const T0 = 1_800_000_000_000;
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/** Device `a` sends once a second from T0 to T0+20 s; `stored` says which of its notifications were stored, and when. */
function run(stored: StoredMessage[]) {
  const sent = new Map([['a', new Map<string, number>()]]);
  for (let s = 0; s <= 20; s += 1) sent.get('a')!.set(ns(T0 + s * 1000), 1);
  return analyse({
    devices: ['a'],
    sent,
    stored,
    steps: [
      { name: 'one', from: T0 + 5_000, to: T0 + 10_000, faults: [T0 + 5_000], settled: [T0 + 6_000] },
      { name: 'two', from: T0 + 10_000, to: T0 + 21_000, faults: [T0 + 10_500], settled: [T0 + 11_000] },
    ],
    start: T0,
    end: T0 + 21_000,
    kills: [T0 + 10_500],
  });
}

const at = (s: number, storedAfterMs = 5): StoredMessage => ({
  device: 'a',
  ts: ns(T0 + s * 1000),
  prefix: '/interfaces/interface[name=eth0]',
  storedAtMs: T0 + s * 1000 + storedAfterMs,
});

describe('the cluster drill arithmetic', () => {
  it('counts nothing lost and nothing twice when every notification is stored once', () => {
    const result = run([...Array(21).keys()].map((s) => at(s)));
    expect(result.total).toEqual({ sent: 21, stored: 21, lost: 0, duplicates: 0 });
    expect(result.steps.map((s) => [s.lost, s.duplicates, s.max_gap_s])).toEqual([
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it('gives a loss, a copy and a silence to the step they happened in; a loss next to a kill is counted apart', () => {
    // Step one: 6 and 7 lost (a gap of 3 s ending at 8), 8 stored twice. Step two: 11 lost just after the kill at 10.5 s.
    const stored = [...Array(21).keys()].filter((s) => s !== 6 && s !== 7 && s !== 11).map((s) => at(s));
    stored.push(at(8, 50));
    const result = run(stored);
    expect(result.total).toEqual({ sent: 21, stored: 19, lost: 3, duplicates: 1 });
    expect(result.steps[0]).toMatchObject({ lost: 2, lost_at_kill: 0, duplicates: 1, max_gap_s: 3 });
    expect(result.steps[1]).toMatchObject({ lost: 1, lost_at_kill: 1, duplicates: 0, max_gap_s: 2 });
    expect(result.lostExamples).toEqual([6, 7, 11].map((s) => ({ device: 'a', ts_ms: T0 + s * 1000 })));
  });

  it('measures recovery from the fault to the later of the collectors settling and the first notification sent after it being stored', () => {
    // Step one's fault at 5 s: what was sent from 5 s to 8 s waits (NATS away) and is all stored at 9 s; the collectors settled at 6 s.
    const stored = [...Array(21).keys()].map((s) => (s >= 5 && s <= 8 ? at(s, (9 - s) * 1000) : at(s)));
    const result = run(stored);
    expect(result.steps[0]!.recovery_s).toBe(4);
    // Step two: its first notification after 10.5 s is 11 (stored at 11.005 s), but the collectors settled at 11.0 s.
    expect(result.steps[1]!.recovery_s).toBe(0.505);
  });

  it('reports no recovery when a device never sends again, and the silence up to the end as its gap', () => {
    const result = run([...Array(12).keys()].map((s) => at(s)));
    expect(result.steps[1]!.recovery_s).toBe(0.505);
    const silent = run([...Array(10).keys()].map((s) => at(s)));
    expect(silent.steps[1]!.recovery_s).toBeNull();
    expect(silent.steps[1]!.max_gap_s).toBe(12);
  });
});

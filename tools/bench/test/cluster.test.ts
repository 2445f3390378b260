// The cluster drill, short: 30 devices instead of the benchmark's 300, the
// same servers, apps, faults and bounds as `npm run bench -- cluster`.
import { resolve } from 'node:path';
import { runClusterDrill } from '../src/cluster-drill';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('the collectors on a three-server JetStream cluster (streams and buckets with 3 replicas)', () => {
  it('lose nothing, store nothing twice and collect every device again within 30 s through a NATS leader kill, a collector kill and a rolling restart', async () => {
    // Shorter quiet spells than the benchmark's (1.5 s and 3 s, not 3 s and 5 s): the faults and their bounds are the same.
    const report = await runClusterDrill({ devices: 30, net: 62, launch: 'source', root: ROOT, tailMs: 1_500, steadyMs: 3_000 });
    console.log(`cluster drill, 30 devices: ${JSON.stringify({ ...report, lost_examples: undefined })}`);
    const step = Object.fromEntries(report.steps.map((s) => [s.step, s]));
    expect(Object.keys(step)).toEqual(['nats_leader_killed', 'collector_killed', 'rolling_restart']);
    expect(report.sent).toBeGreaterThan(30 * 30);
    for (const s of report.steps) {
      // Only a SIGKILLed collector may lose anything: what it held or was sent as it died (gNMI has no acknowledgement).
      expect({ step: s.step, lost: s.lost - s.lost_at_kill, duplicates: s.duplicates }).toEqual({ step: s.step, lost: 0, duplicates: 0 });
      expect({ step: s.step, recovered: s.recovery_s !== null && s.recovery_s <= 30 }).toEqual({ step: s.step, recovered: true });
      // One collector per device at any moment: no device ever had two Subscribe streams open.
      expect({ step: s.step, sessions: report.max_sessions_per_device[s.step] }).toEqual({ step: s.step, sessions: 1 });
    }
    expect(step.nats_leader_killed!.lost_at_kill).toBe(0);
    expect(step.rolling_restart!.lost_at_kill).toBe(0);
    // At most a notification per device it collected (a third of them): the devices sample once a second.
    expect(step.collector_killed!.lost_at_kill).toBeLessThanOrEqual(report.devices);
    // A graceful handover, twice: no device is silent for more than 10 s.
    expect(step.rolling_restart!.max_gap_s).toBeLessThanOrEqual(10);
    expect(report.lost).toBe(report.steps.reduce((a, s) => a + s.lost_at_kill, 0));
    expect(report.stored).toBe(report.sent - report.lost + report.duplicates);
    expect(report.others_ready).toBe(true);
  }, 300_000);
});

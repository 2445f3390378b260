// `npm run bench -- cluster`: the cluster drill (cluster-drill.ts) with 300
// devices and the apps' production bundles. The value is the longest gap in
// any device's stream during the rolling restart; the baseline is the longest
// gap of the same run while nothing failed (a sample interval and its jitter).
import { runClusterDrill } from './cluster-drill';

const round = (n: number) => Math.round(n * 100) / 100;

export async function clusterBench(): Promise<Record<string, unknown>> {
  const report = await runClusterDrill({
    devices: 300,
    net: 63,
    launch: 'bundle',
    progress: (line) => console.error(`cluster: ${line}`),
  });
  const byStep = <K extends 'lost' | 'lost_at_kill' | 'duplicates' | 'max_gap_s' | 'recovery_s'>(key: K) =>
    Object.fromEntries(report.steps.map((s) => [s.step, s[key]]));
  const rolling = report.steps.find((s) => s.step === 'rolling_restart')!;
  return {
    value: rolling.max_gap_s,
    unit: 's longest gap in a device stream during the rolling restart',
    baseline: report.steady_max_gap_s,
    ratio: round(rolling.max_gap_s / report.steady_max_gap_s),
    devices: report.devices,
    sent: report.sent,
    stored: report.stored,
    lost_total: report.lost,
    duplicates_total: report.duplicates,
    lost: byStep('lost'),
    lost_at_kill: byStep('lost_at_kill'),
    duplicates: byStep('duplicates'),
    max_gap_s: byStep('max_gap_s'),
    recovery_s: byStep('recovery_s'),
    max_sessions_per_device: report.max_sessions_per_device,
    two_sessions: report.two_sessions,
    others_ready: report.others_ready,
    leader_killed: report.leader_killed,
    leader_after: report.leader_after,
    restarted_server_current_s: report.restarted_server_current_s,
  };
}

// `npm run bench -- scale`: one collector (the production bundle) with 1,000
// simulated gNMI devices (a sample every 10 s each) and 100 NETCONF devices
// (a get every 10 s and a notification stream). Measures the time until all
// are synced, steady-state CPU and RSS, then drops every session at once and
// measures the time until all are back and the peak reconnect rate.
// Baseline, same run: the time for one process to open the same 1,100
// connections (bare TCP) back to back — what "all at once" would cost.
import { connect } from 'node:net';
import { DeviceRepository, deviceInputSchema, type DeviceInput } from '@switch-telemetry/inventory';
import { round, until } from './measure';
import { exited, metric, usage } from './process';
import { withStack } from './stack';

const GNMI = Number(process.env.BENCH_GNMI ?? 1_000);
const NETCONF = Number(process.env.BENCH_NETCONF ?? 100);
const STEADY_MS = 20_000;

interface SimDevice {
  name: string;
  protocol: 'gnmi' | 'netconf';
  address: string;
  port: number;
  host_key?: string;
}

function deviceFor(d: SimDevice): DeviceInput {
  const common = { id: d.name, name: d.name, address: d.address, port: d.port, credentials: 'bench_credentials' };
  if (d.protocol === 'gnmi') {
    return deviceInputSchema.parse({
      ...common,
      protocol: 'gnmi',
      tls: { plaintext: true },
      subscriptions: [{ name: 'counters', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 10_000 }],
    });
  }
  return deviceInputSchema.parse({
    ...common,
    protocol: 'netconf',
    host_key: { fingerprints: [d.host_key] },
    subscriptions: [
      { name: 'ifstate', paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'], mode: 'get', interval_ms: 10_000 },
      { name: 'events', paths: ['<interface-statistics xmlns="urn:switch-telemetry:sim:interfaces"/>'], mode: 'notification' },
    ],
  });
}

/** Opens one TCP connection to each device, one after another, and closes them: the floor for reconnecting the fleet. */
async function bareConnects(devices: SimDevice[]): Promise<number> {
  const started = Date.now();
  for (const d of devices) {
    await new Promise<void>((res, rej) => {
      const socket = connect({ host: d.address, port: d.port }, () => {
        socket.destroy();
        res();
      });
      socket.once('error', rej);
    });
  }
  return Date.now() - started;
}

export async function scaleBench(): Promise<Record<string, unknown>> {
  const total = GNMI + NETCONF;
  return withStack('scale', async ({ db, sim: startSim, collector: startCollector }) => {
    const fleet: SimDevice[] = [];
    let droppedSessions = -1;
    const sim = startSim(['--gnmi', String(GNMI), '--netconf', String(NETCONF), '--port', '0', '--netconf-port', '0', '--interfaces', '4', '--notification-ms', '10000'], (item) => {
      if (typeof item.dropped === 'number') droppedSessions = item.dropped;
      else fleet.push(item as unknown as SimDevice);
    });
    await Promise.race([until(() => fleet.length === total, 120_000, 'the simulated fleet'), exited(sim, 'the simulator')]);
    const baselineMs = await bareConnects(fleet);
    const devices = new DeviceRepository(db.pool);
    for (const d of fleet) await devices.upsert(deviceFor(d));

    const startedAt = Date.now();
    const { child: collector, url, died } = await startCollector({});
    // The synced count, sampled every 100 ms.
    const samples: Array<{ at: number; synced: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const synced = await metric(url, 'collector_sessions', 'state="synced"').catch(() => NaN);
        if (!Number.isNaN(synced)) samples.push({ at: Date.now(), synced });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const synced = () => samples.at(-1)?.synced ?? 0;
    await Promise.race([until(() => synced() === total, 180_000, 'every device synced'), died]);
    const allSyncedMs = Date.now() - startedAt;

    // Steady state.
    const before = usage(collector.pid!);
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const after = usage(collector.pid!);
    const steady = { cpuPct: (100 * (after.cpu - before.cpu)) / (STEADY_MS / 1000), rssMiB: after.rssMiB };

    // Every session dropped at once.
    const dropAt = Date.now();
    sim.kill('SIGUSR1');
    await until(() => droppedSessions >= 0, 10_000, 'the simulator to drop its sessions');
    await Promise.race([until(() => samples.some((s) => s.at > dropAt && s.synced < total), 30_000, 'the collector to notice'), died]);
    await Promise.race([until(() => samples.at(-1)!.at > dropAt && synced() === total, 180_000, 'every device back'), died]);
    const backMs = Date.now() - dropAt;
    sampling = false;
    await sampler;

    // Reconnect rate: sessions coming back per second, over sliding one-second windows after the drop.
    const afterDrop = samples.filter((s) => s.at >= dropAt);
    const low = Math.min(...afterDrop.map((s) => s.synced));
    let peak = 0;
    for (const s of afterDrop) {
      const earlier = afterDrop.filter((e) => e.at <= s.at - 1_000).at(-1);
      if (earlier) peak = Math.max(peak, s.synced - earlier.synced);
    }
    const restarts = await metric(url, 'collector_session_restarts_total');
    const peakRss = usage(collector.pid!).peakMiB;
    const result = {
      value: round(allSyncedMs / 1000, 2),
      unit: 's until all synced',
      baseline: round(baselineMs / 1000, 2),
      ratio: round(allSyncedMs / Math.max(1, baselineMs), 1),
      devices: total,
      gnmi: GNMI,
      netconf: NETCONF,
      steady_cpu_pct: round(steady.cpuPct, 1),
      steady_rss_mib: round(steady.rssMiB),
      peak_rss_mib: round(peakRss),
      sessions_dropped: droppedSessions,
      lowest_synced_after_drop: low,
      back_after_drop_s: round(backMs / 1000, 2),
      peak_reconnects_per_s: peak,
      mean_reconnects_per_s: round((total - low) / (backMs / 1000), 1),
      restarts,
    };
    console.error(JSON.stringify(result, null, 1));
    return result;
  });
}

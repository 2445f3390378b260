// `npm run bench -- scale`: one collector (the production bundle) with 9,000
// simulated gNMI devices (two subscriptions each, a sample every 10 s) and
// 1,000 NETCONF devices (a get every 30 s and a notification stream), the
// fleet split over several simulator processes. Measures the time until all
// are synced, steady-state CPU, RSS and memory per device, then drops every
// session at once and measures the time until all are back and the peak
// reconnect rate. Baseline, same run: the time for one process to open the
// same connections (bare TCP) back to back — what "all at once" would cost.
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceInputSchema, type DeviceInput } from '@switch-telemetry/contracts';
import { round, until } from './measure';
import { exited, metric, usage } from './process';
import { withStack } from './stack';

const GNMI = Number(process.env.BENCH_GNMI ?? 9_000);
const NETCONF = Number(process.env.BENCH_NETCONF ?? 1_000);
/** Devices per simulator process (a process tops out well below the whole fleet). */
const GNMI_PER_SIM = 2_250;
const NETCONF_PER_SIM = 500;
const INTERFACES = 2;
const STEADY_MS = 30_000;

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
      subscriptions: [
        { name: 'counters', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 10_000 },
        { name: 'status', paths: ['/interfaces/interface[name=*]/state/oper-status'], mode: 'sample', interval_ms: 10_000 },
      ],
    });
  }
  return deviceInputSchema.parse({
    ...common,
    protocol: 'netconf',
    host_key: { fingerprints: [d.host_key] },
    subscriptions: [
      {
        name: 'ifstate',
        paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'],
        mode: 'get',
        interval_ms: 30_000,
      },
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
    const dropped: number[] = [];
    const sims: ChildProcess[] = [];
    const onLine = (item: Record<string, unknown>) => {
      if (typeof item.dropped === 'number') dropped.push(item.dropped);
      else fleet.push(item as unknown as SimDevice);
    };
    const common = ['--port', '0', '--netconf-port', '0', '--interfaces', String(INTERFACES), '--notification-ms', '10000'];
    for (let first = 0; first < GNMI; first += GNMI_PER_SIM) {
      sims.push(
        startSim(['--gnmi', String(Math.min(GNMI_PER_SIM, GNMI - first)), '--netconf', '0', '--first', String(first), ...common], onLine),
      );
    }
    for (let first = 0; first < NETCONF; first += NETCONF_PER_SIM) {
      sims.push(
        startSim(
          ['--gnmi', '0', '--netconf', String(Math.min(NETCONF_PER_SIM, NETCONF - first)), '--first', String(GNMI + first), ...common],
          onLine,
        ),
      );
    }
    const simStarted = Date.now();
    await Promise.race([until(() => fleet.length === total, 600_000, 'the simulated fleet'), ...sims.map((s) => exited(s, 'a simulator'))]);
    console.error(`fleet of ${total} up in ${round((Date.now() - simStarted) / 1000, 1)} s over ${sims.length} simulator processes`);
    const baselineMs = await bareConnects(fleet);
    const devices = new DeviceRepository(db.pool);
    for (const d of fleet) await devices.upsert(deviceFor(d));

    const startedAt = Date.now();
    const { child: collector, url, died } = await startCollector({});
    // The synced count, sampled every 500 ms (a scrape is not free: the default process metrics
    // list every open handle and file descriptor); paused while steady state is measured.
    const samples: Array<{ at: number; synced: number }> = [];
    let sampling = true;
    let paused = false;
    const sampler = (async () => {
      while (sampling) {
        if (!paused) {
          const synced = await metric(url, 'collector_sessions', 'state="synced"').catch(() => NaN);
          if (!Number.isNaN(synced)) samples.push({ at: Date.now(), synced });
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const synced = () => samples.at(-1)?.synced ?? 0;
    // Progress on stderr every 10 s: sessions by state, ownership writes, CPU so far.
    const progress = setInterval(() => {
      void (async () => {
        const states: string[] = [];
        for (const state of ['connecting', 'up', 'synced', 'backoff', 'stale', 'auth_failed']) {
          states.push(`${state} ${await metric(url, 'collector_sessions', `state="${state}"`).catch(() => NaN)}`);
        }
        const writes = await metric(url, 'collector_ownership_writes_total').catch(() => NaN);
        console.error(
          `+${round((Date.now() - startedAt) / 1000)} s: ${states.join(', ')}; ownership writes ${writes}; collector CPU ${round(usage(collector.pid!).cpu, 1)} s`,
        );
      })();
    }, 10_000);
    progress.unref();
    await Promise.race([until(() => synced() === total, 300_000, 'every device synced'), died]);
    const allSyncedMs = Date.now() - startedAt;

    // Steady state, and what the simulators spend meanwhile (are they the limit?); nothing scrapes the collector meanwhile.
    paused = true;
    clearInterval(progress);
    console.error(
      `steady window from +${Date.now() - startedAt} ms to +${Date.now() - startedAt + STEADY_MS} ms after the collector started`,
    );
    const before = usage(collector.pid!);
    const simsBefore = sims.reduce((a, s) => a + usage(s.pid!).cpu, 0);
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const after = usage(collector.pid!);
    const simsAfter = sims.reduce((a, s) => a + usage(s.pid!).cpu, 0);
    const steady = {
      cpuPct: (100 * (after.cpu - before.cpu)) / (STEADY_MS / 1000),
      rssMiB: after.rssMiB,
      simCpuPct: (100 * (simsAfter - simsBefore)) / (STEADY_MS / 1000),
    };
    const published = await metric(url, 'collector_messages_published_total');
    const ownershipWrites = await metric(url, 'collector_ownership_writes_total');
    paused = false;

    // Every session dropped at once.
    const dropAt = Date.now();
    for (const s of sims) s.kill('SIGUSR1');
    await until(() => dropped.length === sims.length, 30_000, 'the simulators to drop their sessions');
    const droppedSessions = dropped.reduce((a, b) => a + b, 0);
    await Promise.race([until(() => samples.some((s) => s.at > dropAt && s.synced < total), 30_000, 'the collector to notice'), died]);
    await Promise.race([until(() => samples.at(-1)!.at > dropAt && synced() === total, 300_000, 'every device back'), died]);
    const backMs = Date.now() - dropAt;
    sampling = false;
    clearInterval(progress);
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
      rss_kib_per_device: round((steady.rssMiB * 1024) / total),
      steady_sim_cpu_pct: round(steady.simCpuPct, 1),
      messages_at_steady: published,
      ownership_writes_at_steady: ownershipWrites,
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

// The cluster drill: everything on loopback, each server and app on an address
// of its own (127.<net>.x.y, so each keeps its usual port). Three nats-server
// processes in one JetStream cluster, the streams and buckets with three
// replicas; three collectors, two ingress, discovery and notifier; a fleet of
// simulated gNMI devices sampling every second, each keeping a ledger of what
// it sent. While telemetry flows: (1) SIGKILL the server leading TELEMETRY and
// bring it back after 10 s; (2) SIGKILL a collector; (3) a rolling restart of
// the other two, as a Deployment with maxSurge 1 and maxUnavailable 0 does it
// (the new replica first, then SIGTERM to the old). Then everything stored is
// read back and set against the ledger (cluster-analysis.ts).
import type { ChildProcess } from 'node:child_process';
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { connectBus, createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { PrivateNatsServer, deleteNamespace } from '@switch-telemetry/bus/testing';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createTestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget } from '@switch-telemetry/sim';
import { analyse, nsToMs, type Step, type StepReport, type StoredMessage } from './cluster-analysis';
import { metric } from './process';
import { spawnApp, untilReady } from './stack';

export interface DrillOptions {
  /** Simulated gNMI devices (the benchmark: 300). */
  devices: number;
  /** The second octet of every address the drill uses: 127.<net>.0.x NATS, .1.x collectors, .2.x ingress, … */
  net: number;
  /** Apps run from their production bundles (dist/apps, as `npm run bench` builds them) or from source through tsx (tests). */
  launch: 'bundle' | 'source';
  /** How long the killed NATS server stays down (10 s). */
  natsDownMs?: number;
  /** Longest wait for the fleet to be collected again after a fault before the drill gives up on it. */
  recoverWithinMs?: number;
  /** Progress lines (stderr in the benchmark). */
  progress?: (line: string) => void;
  /** The repository's root (apps are found under it); the working directory unless given. */
  root?: string;
  /** How long each step runs on once every device is back, and the quiet window measured before the faults (3 s and 5 s). */
  tailMs?: number;
  steadyMs?: number;
}

export interface DrillReport {
  devices: number;
  steps: StepReport[];
  /** The longest gap of any device's stream while nothing was failing (the sample interval plus jitter). */
  steady_max_gap_s: number;
  /** The most Subscribe streams one device had open at once, per step (2 would be two collectors on one device). */
  max_sessions_per_device: Record<string, number>;
  sent: number;
  stored: number;
  lost: number;
  duplicates: number;
  /** Ingress, discovery and notifier still running and ready after the faults. */
  others_ready: boolean;
  /** The NATS server that led TELEMETRY when it was killed, and the one that led after. */
  leader_killed: string;
  leader_after: string;
  /** From the NATS kill until every replica of TELEMETRY was current again (the restarted server caught up); null: not within 30 s. */
  restarted_server_current_s: number | null;
  /** The first few notifications lost (device, device timestamp in ms), to look for. */
  lost_examples: Array<{ device: string; ts_ms: number }>;
  /** The first moments (up to 10) a device had two Subscribe streams open, and the client addresses of both. */
  two_sessions: Array<{ device: string; at: number; step: string; peers: string[] }>;
  /** When each fault struck (ms since the epoch), per step. */
  faults: Record<string, number[]>;
}

const SAMPLE_MS = 1_000;
const COLLECTOR_PORT = 9101;
const log = createLogger({ app: 'cluster-drill', level: 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface App {
  name: string;
  host: string;
  child: ChildProcess;
  /** The last lines it wrote, for the error when something goes wrong. */
  tail(): string;
}

/** Polls `check` every 250 ms until it holds; throws, naming `what`, after `ms`. */
async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

export async function runClusterDrill(options: DrillOptions): Promise<DrillReport> {
  const { net, devices: count } = options;
  const progress = options.progress ?? (() => undefined);
  const recoverWithinMs = options.recoverWithinMs ?? 60_000;
  const root = options.root ?? process.cwd();
  const undo: Array<() => Promise<unknown>> = [];
  const apps: App[] = [];
  try {
    // --- NATS: three servers, one cluster ---------------------------------------------------------------------------
    const natsHosts = [1, 2, 3].map((i) => `127.${net}.0.${i}`);
    const routes = natsHosts.map((h) => `nats://${h}:6222`).join(',');
    const servers = await Promise.all(
      natsHosts.map((host, i) =>
        PrivateNatsServer.start({
          host,
          port: 4222,
          args: ['-n', `n${i + 1}`, '--cluster_name', 'drill', '--cluster', `nats://${host}:6222`, '--routes', routes],
        }),
      ),
    );
    undo.push(() => Promise.all(servers.map((s) => s.dispose())));
    const natsUrl = servers.map((s) => s.url).join(',');
    const topology = createTopology({ namespace: `drill_${Date.now().toString(36)}`, replicas: 3 });
    const bus = await provisioned(natsUrl, topology);
    undo.push(async () => {
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
    });
    progress(`nats: 3 servers in cluster "drill", streams and buckets with 3 replicas (namespace ${topology.namespace})`);

    const db = await createTestDatabase();
    undo.push(() => db.drop());

    // --- The fleet, each device keeping its ledger ---------------------------------------------------------------
    const ids: string[] = [];
    const sent = new Map<string, Map<string, number>>();
    // The ledgers close at the end of the drill; what is sent after is neither counted nor looked for.
    let closed = false;
    const targets: GnmiTarget[] = [];
    undo.push(() => Promise.all(targets.map((t) => t.stop())));
    const repository = new DeviceRepository(db.pool);
    for (let i = 0; i < count; i += 1) {
      const id = `drill-${i}`;
      const ledger = new Map<string, number>();
      sent.set(id, ledger);
      const target = new GnmiTarget({
        name: id,
        host: `127.${net}.${10 + Math.floor(i / 250)}.${(i % 250) + 1}`,
        port: 57400,
        username: 'drill',
        password: 'drill-pw',
        interfaces: 1,
        tickMs: SAMPLE_MS,
        onSent: (n) => {
          if (closed) return;
          const ts = String(n.timestamp ?? '0');
          ledger.set(ts, (ledger.get(ts) ?? 0) + 1);
        },
      });
      await target.start();
      targets.push(target);
      ids.push(id);
      await repository.upsert(
        deviceInputSchema.parse({
          id,
          name: id,
          protocol: 'gnmi',
          address: target.options.host,
          port: target.port,
          credentials: 'drill',
          tls: { plaintext: true },
          subscriptions: [{ name: 'interfaces', paths: ['/interfaces'], mode: 'sample', interval_ms: SAMPLE_MS }],
        }),
      );
    }
    progress(`fleet: ${count} gNMI devices sampling every ${SAMPLE_MS} ms`);

    // --- The apps ------------------------------------------------------------------------------------------------
    const launch = async (app: string, host: string, env: Record<string, string>): Promise<App> => {
      const { child } = await spawnApp({
        app,
        natsUrl,
        namespace: topology.namespace,
        databaseUrl: db.url,
        host,
        from: options.launch,
        root,
        output: 'pipe',
        env: { NATS_REPLICAS: '3', DB_POOL_MAX: '3', LOG_LEVEL: process.env.CLUSTER_DRILL_LOG_LEVEL ?? 'warn', ...env },
      });
      const lines: string[] = [];
      // CLUSTER_DRILL_LOGS=<dir>: every line of every app to <dir>/<app>@<address>.log as well (to follow one device).
      const file = process.env.CLUSTER_DRILL_LOGS
        ? createWriteStream(resolve(process.env.CLUSTER_DRILL_LOGS, `${app}@${host}.log`))
        : undefined;
      for (const stream of [child.stdout!, child.stderr!])
        createInterface({ input: stream }).on('line', (line) => {
          file?.write(`${line}\n`);
          lines.push(line.slice(0, 500));
          if (lines.length > 20) lines.shift();
        });
      const item: App = { name: `${app}@${host}`, host, child, tail: () => lines.join('\n') };
      apps.push(item);
      return item;
    };
    const ready = async (app: App, port: number) => {
      try {
        await untilReady(`http://${app.host}:${port}`, app.child, app.name, 60_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${app.tail()}`);
      }
    };
    let collectorHosts = 0;
    const startCollector = () => {
      collectorHosts += 1;
      return launch('collector', `127.${net}.1.${collectorHosts}`, {
        HTTP_PORT: String(COLLECTOR_PORT),
        DEVICE_CREDENTIALS_DRILL: 'drill:drill-pw',
      });
    };
    const collectors = await Promise.all([startCollector(), startCollector(), startCollector()]);
    const others: Array<{ app: App; port: number }> = [
      { app: await launch('ingress', `127.${net}.2.1`, { HTTP_PORT: '8080', OPS_PORT: '9100' }), port: 9100 },
      { app: await launch('ingress', `127.${net}.2.2`, { HTTP_PORT: '8080', OPS_PORT: '9100' }), port: 9100 },
      { app: await launch('discovery', `127.${net}.3.1`, { HTTP_PORT: '9102' }), port: 9102 },
      { app: await launch('notifier', `127.${net}.4.1`, { HTTP_PORT: '9103' }), port: 9103 },
    ];
    undo.push(() => stopApps(apps));
    await Promise.all([...collectors.map((c) => ready(c, COLLECTOR_PORT)), ...others.map((o) => ready(o.app, o.port))]);
    progress('apps: 3 collectors, 2 ingress, discovery and notifier ready');

    // --- What is stored, as it is stored ---------------------------------------------------------------------------
    const live = watchStored(bus, topology);
    undo.push(() => live.stop());
    /** Whether the live collectors own and sync every device between them, each of them some. */
    const owned = async (alive: App[]) => {
      const figures = await Promise.all(
        alive.map(async (c) => {
          const url = `http://${c.host}:${COLLECTOR_PORT}`;
          return [await metric(url, 'collector_owned_devices'), await metric(url, 'collector_sessions', 'state="synced"')];
        }),
      ).catch(() => undefined);
      if (!figures) return false;
      const devices = figures.reduce((a, f) => a + f[0]!, 0);
      const synced = figures.reduce((a, f) => a + (Number.isNaN(f[1]!) ? 0 : f[1]!), 0);
      return devices === count && synced === count && figures.every((f) => f[0]! > 0);
    };
    /**
     * Waits until the collectors own and sync every device and every device
     * has telemetry sent since `since` stored; returns when the collectors'
     * part last began to hold (the stored part is timed from JetStream's own
     * clock afterwards, not from this view, which can lag while its server is away).
     */
    const settle = async (what: string, since: number, alive: App[]) => {
      let ownedSince: number | undefined;
      try {
        await until(what, recoverWithinMs, async () => {
          const failure = live.failed();
          if (failure) throw new Error(`the live view of stored telemetry failed: ${failure.message}`);
          const polled = Date.now();
          if (await owned(alive)) ownedSince ??= polled;
          else ownedSince = undefined;
          return ownedSince !== undefined && ids.every((id) => (live.newest.get(id) ?? 0) >= since);
        });
      } catch (err) {
        // Say what was missing: devices without telemetry since the fault, and what each collector reported.
        const behind = ids.filter((id) => (live.newest.get(id) ?? 0) < since);
        const figures = await Promise.all(
          alive.map(async (c) => {
            const url = `http://${c.host}:${COLLECTOR_PORT}`;
            const owned = await metric(url, 'collector_owned_devices').catch(() => NaN);
            const synced = await metric(url, 'collector_sessions', 'state="synced"').catch(() => NaN);
            const fresh = await metric(url, 'collector_heartbeat_fresh').catch(() => NaN);
            const buffered = await metric(url, 'collector_buffer_fill').catch(() => NaN);
            const published = await metric(url, 'collector_messages_published_total').catch(() => NaN);
            return `${c.name}: owned ${owned}, synced ${synced}, heartbeat fresh ${fresh}, buffered ${buffered}, published ${published}`;
          }),
        );
        const stream = await bus.jsm.streams.info(topology.streams.telemetry.name).catch(() => undefined);
        throw new Error(
          `${(err as Error).message}; ${behind.length} devices with nothing stored since (${behind.slice(0, 5).join(', ')}); ` +
            `TELEMETRY at ${stream?.state.last_seq}, the live view at ${live.lastSeq()}; ` +
            `${figures.join('; ')}\n${alive.map((c) => `--- ${c.name}:\n${c.tail()}`).join('\n')}`,
        );
      }
      return ownedSince!;
    };

    const warm = Date.now();
    await settle('every device collected after start', warm, collectors);
    // A device is steady once it has a few samples behind it; then a quiet window to measure the steady gap.
    await sleep(options.tailMs ?? 3 * SAMPLE_MS);
    const start = Date.now();
    await sleep(options.steadyMs ?? 5 * SAMPLE_MS);
    const steadyEnd = Date.now();
    progress(`warm: every device collected ${((start - warm) / 1000).toFixed(1)} s after start`);

    const steps: Step[] = [];
    const sessions: Record<string, number> = {};
    // Any moment a device has two Subscribe streams open: who held them (the collectors' addresses).
    const twoSessions: DrillReport['two_sessions'] = [];
    const watchSessions = setInterval(() => {
      for (const t of targets)
        if (t.openStreams > 1 && twoSessions.length < 10)
          twoSessions.push({ device: t.options.name, at: Date.now(), step: steps.at(-1)?.name ?? 'warm', peers: t.peers });
    }, 100);
    undo.push(async () => clearInterval(watchSessions));
    const kills: number[] = [];
    const beginStep = (name: string) => {
      for (const t of targets) t.peakOpenStreams = t.openStreams;
      // Steps follow one another with no time between: every notification sent belongs to one.
      const step: Step = { name, from: steps.at(-1)?.to ?? steadyEnd, to: 0, faults: [], settled: [] };
      steps.push(step);
      return step;
    };
    const endStep = async (step: Step) => {
      await sleep(options.tailMs ?? 3 * SAMPLE_MS);
      step.to = Date.now();
      sessions[step.name] = Math.max(...targets.map((t) => t.peakOpenStreams));
    };

    // (1) The server leading TELEMETRY dies, and comes back 10 s later.
    const nats = beginStep('nats_leader_killed');
    const leaderKilled = await streamLeader(bus, topology);
    const victim = servers[Number(leaderKilled.slice(1)) - 1]!;
    nats.faults.push(Date.now());
    await victim.stop();
    progress(`(1) SIGKILL nats ${leaderKilled}, the TELEMETRY leader`);
    // The cluster should carry on without it: watched from the moment it dies, not from its return.
    const natsSettled = settle('every device collected after the NATS leader died', nats.faults[0]!, collectors);
    natsSettled.catch(() => undefined);
    const down = Date.now() + (options.natsDownMs ?? 10_000);
    let leaderSeen = '';
    while (Date.now() < down) {
      const info = await bus.jsm.streams.info(topology.streams.telemetry.name).catch(() => undefined);
      const leader = info?.cluster?.leader ?? '';
      if (leader !== leaderSeen) progress(`(1) TELEMETRY leader: ${leader || 'none'} ${Date.now() - nats.faults[0]!} ms after the kill`);
      leaderSeen = leader;
      await sleep(Math.max(0, Math.min(250, down - Date.now())));
    }
    await victim.resume();
    progress(`(1) ${leaderKilled} back`);
    nats.settled.push(await natsSettled);
    // Waited for, so the next fault meets a whole cluster, but not a condition of the drill: a replica that
    // reports itself behind for a while (seen once under load) is reported, and the drill goes on.
    const caughtUp = await until('the restarted server current again', 30_000, () => replicasCurrent(bus, topology)).then(
      () => (Date.now() - nats.faults[0]!) / 1_000,
      () => null,
    );
    const leaderAfter = await streamLeader(bus, topology);
    await endStep(nats);
    progress(`(1) settled; TELEMETRY led by ${leaderAfter}`);

    // (2) A collector dies.
    const killed = beginStep('collector_killed');
    const dead = collectors.shift()!;
    killed.faults.push(Date.now());
    kills.push(killed.faults[0]!);
    dead.child.kill('SIGKILL');
    progress(`(2) SIGKILL ${dead.name}`);
    killed.settled.push(await settle('every device collected after a collector died', killed.faults[0]!, collectors));
    await endStep(killed);
    progress('(2) settled');

    // (3) A rolling restart of the other two: the new replica first, then SIGTERM to the old.
    const rolling = beginStep('rolling_restart');
    for (const old of [...collectors]) {
      const fresh = await startCollector();
      await ready(fresh, COLLECTOR_PORT);
      collectors.push(fresh);
      rolling.faults.push(Date.now());
      old.child.kill('SIGTERM');
      const code = await exitCode(old.child, 30_000);
      if (code !== 0) throw new Error(`${old.name} exited ${code} on SIGTERM\n${old.tail()}`);
      collectors.splice(collectors.indexOf(old), 1);
      progress(`(3) ${fresh.name} in, ${old.name} out`);
      rolling.settled.push(await settle('every device collected after a rolling restart', rolling.faults.at(-1)!, collectors));
    }
    await endStep(rolling);
    progress('(3) settled');

    const othersReady = await Promise.all(
      others.map(({ app, port }) =>
        fetch(`http://${app.host}:${port}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status === 200 && app.child.exitCode === null,
          () => false,
        ),
      ),
    );

    // The end: the ledgers close; what was sent before reaches JetStream; the devices stop; everything stored is read back.
    closed = true;
    const end = Date.now();
    await sleep(3_000);
    await Promise.all(targets.map((t) => t.stop()));
    await live.stop();
    const stored = (await readStored(bus, topology)).filter(
      // What was sent after the ledgers closed is left out; anything else stored is counted, in the ledger or not.
      (m) => sent.get(m.device)?.has(m.ts) || nsToMs(m.ts) < end,
    );
    const { steps: reports, total, lostExamples } = analyse({ devices: ids, sent, stored, steps, start, end, kills });
    const [steady] = analyse({
      devices: ids,
      sent,
      stored,
      steps: [{ name: 'steady', from: start, to: steadyEnd, faults: [], settled: [] }],
      start,
      end,
    }).steps;
    return {
      devices: count,
      steps: reports,
      steady_max_gap_s: steady!.max_gap_s,
      max_sessions_per_device: sessions,
      ...total,
      others_ready: othersReady.every(Boolean),
      leader_killed: leaderKilled,
      leader_after: leaderAfter,
      restarted_server_current_s: caughtUp,
      lost_examples: lostExamples,
      two_sessions: twoSessions,
      faults: Object.fromEntries(steps.map((s) => [s.name, s.faults])),
    };
  } catch (err) {
    const died = apps.filter((a) => a.child.exitCode !== null && a.child.signalCode === null);
    throw new Error(`${(err as Error).message}${died.map((a) => `\n--- ${a.name} exited ${a.child.exitCode}:\n${a.tail()}`).join('')}`, {
      cause: err,
    });
  } finally {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  }
}

/** Connects to the cluster and creates the streams and buckets, retrying while the servers still elect a meta leader. */
async function provisioned(natsUrl: string, topology: Topology): Promise<Bus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let bus: Bus | undefined;
    try {
      bus = await connectBus({ servers: natsUrl, name: 'cluster-drill', log });
      await provisionTopology(bus.jsm, topology, log);
      return bus;
    } catch (err) {
      await bus?.close().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`the NATS cluster did not take the streams within 60 s: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

async function streamLeader(bus: Bus, topology: Topology): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = await bus.jsm.streams.info(topology.streams.telemetry.name).catch(() => undefined);
    const leader = info?.cluster?.leader;
    if (leader) return leader;
    if (Date.now() > deadline) throw new Error('TELEMETRY has no leader');
    await sleep(250);
  }
}

/** Every replica of TELEMETRY is current (a restarted server has caught up). */
async function replicasCurrent(bus: Bus, topology: Topology): Promise<boolean> {
  const info = await bus.jsm.streams.info(topology.streams.telemetry.name).catch(() => undefined);
  const replicas = info?.cluster?.replicas ?? [];
  return replicas.length === 2 && replicas.every((r) => r.current && !r.offline);
}

/**
 * One round of reading the namespace's telemetry from sequence `from` on: a
 * new ordered consumer each round, so a consumer lost with a killed server
 * costs a round, not the rest of the drill. Returns the last sequence read.
 */
async function readRound(bus: Bus, topology: Topology, from: number, onMessage: (m: JsMsg) => void): Promise<number> {
  const consumer = await bus.js.consumers.get(topology.streams.telemetry.name, {
    filter_subjects: `${topology.namespace}.telemetry.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  let last = from - 1;
  try {
    const batch = await consumer.fetch({ max_messages: 5_000, expires: 1_000 });
    for await (const m of batch) {
      last = m.seq;
      onMessage(m);
    }
  } finally {
    void consumer.delete().catch(() => undefined);
  }
  return last;
}

/** The newest device timestamp stored per device, as it is stored (read in rounds, each at most a second apart). */
function watchStored(
  bus: Bus,
  topology: Topology,
): { newest: Map<string, number>; lastSeq(): number; failed(): Error | undefined; stop(): Promise<void> } {
  const newest = new Map<string, number>();
  let seq = 0;
  let stopped = false;
  let failures = 0;
  let failure: Error | undefined;
  const running = (async () => {
    while (!stopped) {
      try {
        seq = await readRound(bus, topology, seq + 1, (m) => {
          const { device, ts } = m.json<{ device: string; ts: string | number }>();
          const ms = nsToMs(String(ts));
          if (ms > (newest.get(device) ?? 0)) newest.set(device, ms);
        });
        failures = 0;
      } catch (err) {
        // While a server is down a round can fail; a view that fails for a minute is broken.
        failures += 1;
        if (failures > 120) throw err;
        await sleep(500);
      }
    }
  })();
  running.catch((err: Error) => (failure = err));
  return {
    newest,
    lastSeq: () => seq,
    failed: () => failure,
    async stop() {
      stopped = true;
      await running.catch(() => undefined);
    },
  };
}

/** Everything the namespace's TELEMETRY holds, with when each was stored. */
async function readStored(bus: Bus, topology: Topology): Promise<StoredMessage[]> {
  const info = await bus.jsm.streams.info(topology.streams.telemetry.name, { subjects_filter: `${topology.namespace}.telemetry.>` });
  const expected = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  const out: StoredMessage[] = [];
  const deadline = Date.now() + 120_000;
  let seq = 0;
  while (out.length < expected && Date.now() < deadline) {
    seq = await readRound(bus, topology, seq + 1, (m) => {
      const body = m.json<{ device: string; ts: string | number; prefix: string }>();
      out.push({
        device: body.device,
        ts: String(body.ts),
        prefix: body.prefix,
        storedAtMs: Math.floor(Number(m.info.timestampNanos) / 1e6),
      });
    });
  }
  if (out.length !== expected) throw new Error(`read back ${out.length} of the ${expected} messages stored`);
  return out;
}

function exitCode(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit within ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveExit(code);
    });
  });
}

async function stopApps(apps: App[]): Promise<void> {
  await Promise.all(
    apps.map(async (a) => {
      if (a.child.exitCode !== null || a.child.signalCode !== null) return;
      a.child.kill('SIGTERM');
      await exitCode(a.child, 30_000).catch(() => a.child.kill('SIGKILL'));
    }),
  );
}

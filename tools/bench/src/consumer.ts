import { spawn, type ChildProcess } from 'node:child_process';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import pg from 'pg';
import { connectBus, createTopology, ensureStream, type Bus } from '@switch-telemetry/bus';
import { deleteNamespace } from '@switch-telemetry/bus/testing';
import { TelemetryConsumer, decodeTelemetryMessage, type TelemetryMessage } from '@switch-telemetry/consumer';
import { ensureDatabase } from '@switch-telemetry/db';
import { createLogger } from '@switch-telemetry/logging';
import { alternate, rateOf, round, until, windowed } from './measure';
import { exited } from './process';

// N telemetry messages stored once, then read by each contender through a durable of its own.
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = 2;
// The same for the bare loop and the kit: the client's pull batch, the handlers at once and the durable's max ack pending.
const IN_FLIGHT = 256;
const DEVICES = 50;
const TIMEOUT_MS = 300_000;

const log = createLogger({ app: 'bench', level: process.env.LOG_LEVEL ?? 'warn' });
const root = process.cwd();

/** What the simulated fleet sends for an interface: a prefix and four counters/state leaves (64-bit counters as strings). */
function telemetry(i: number): TelemetryMessage {
  const device = `leaf-${String(i % DEVICES).padStart(2, '0')}`;
  return {
    v: 1,
    device,
    source: 'gnmi',
    subscription: 'interfaces',
    ts: String(1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n),
    prefix: `/interfaces/interface[name=Ethernet${1 + (Math.floor(i / DEVICES) % 48)}]`,
    updates: [
      { path: 'state/counters/in-octets', value: String(1_000_000_000_000 + i * 1_500) },
      { path: 'state/counters/out-octets', value: String(2_000_000_000_000 + i * 1_200) },
      { path: 'state/counters/in-pkts', value: 1_000_000 + i },
      { path: 'state/oper-status', value: 'UP' },
    ],
    deletes: [],
  };
}

async function addDurable(bus: Bus, stream: string, name: string, filter: string): Promise<void> {
  await bus.jsm.consumers.add(stream, {
    durable_name: name,
    filter_subject: filter,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: IN_FLIGHT,
  });
}

/** Baseline: a bare nats.js pull-consume-ack loop over the same stream and settings. */
async function bareRound(bus: Bus, stream: string, filter: string, round: number): Promise<void> {
  const name = `bare-${round}`;
  await addDurable(bus, stream, name, filter);
  const consumer = await bus.js.consumers.get(stream, name);
  let acked = 0;
  // Acks of one event-loop turn in one write, as the kit (and the job runner) send them; one write per ack measured 4-10x slower here.
  let batch: JsMsg[] = [];
  const flush = () => {
    for (const m of batch) m.ack();
    batch = [];
  };
  const messages = await consumer.consume({ max_messages: IN_FLIGHT });
  for await (const msg of messages) {
    if (batch.push(msg) === 1) setImmediate(flush);
    acked += 1;
    if (acked === MESSAGES) break;
  }
  flush();
  messages.stop();
}

/** The kit: its durable consumer with a handler that reads the message (decoded and validated by the kit). */
async function kitRound(bus: Bus, namespace: string, durable: string, decode: 'validate' | 'trust'): Promise<{ lost: number }> {
  const seen = new Set<number>();
  let updates = 0;
  const consumer = new TelemetryConsumer({
    nc: bus.nc,
    durable,
    namespace,
    maxInFlight: IN_FLIGHT,
    decode,
    handler: async (m, ctx) => {
      updates += m.updates.length;
      seen.add(ctx.streamSequence);
    },
  });
  await consumer.start();
  await until(() => seen.size === MESSAGES, TIMEOUT_MS, 'kit consumed');
  await consumer.stop();
  if (updates < MESSAGES * 4) throw new Error(`the handler saw ${updates} updates`);
  return { lost: MESSAGES - seen.size };
}

/**
 * An example app as a process of its own (tsx), timed from its first ack to its last: acks are NATS messages
 * on `$JS.ACK.<stream>.<durable>.…`, which a plain subscription sees without asking the server anything
 * (polling consumer info scans the stream and slowed the consumers it measured).
 */
async function exampleRate(bus: Bus, stream: string, durable: string, main: string, env: Record<string, string>): Promise<number> {
  const acks = bus.nc.subscribe(`$JS.ACK.${stream}.${durable}.>`);
  let first = 0n;
  let last = 0n;
  let acked = 0;
  const counting = (async () => {
    for await (const m of acks) {
      if (m.string() !== '+ACK' && m.data.length !== 0) continue;
      last = process.hrtime.bigint();
      if (acked === 0) first = last;
      acked += 1;
    }
  })();
  await bus.nc.flush();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve(root, main)], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const died = exited(child, main);
  try {
    await Promise.race([until(() => acked >= MESSAGES, TIMEOUT_MS, `${main} acks`), died]);
    return (MESSAGES - 1) / (Number(last - first) / 1e9);
  } finally {
    acks.unsubscribe();
    await counting;
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

export async function consumerBench(): Promise<Record<string, unknown>> {
  const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/switch_telemetry';
  const ns = `bench_${Date.now().toString(36)}`;
  const topology = createTopology({ namespace: ns });
  const stream = topology.streams.telemetry.name;
  const filter = `${ns}.telemetry.*.*`;
  const bus = await connectBus({ servers, name: 'bench-consumer', log });
  const table = `${ns}_updates`;
  try {
    await ensureStream(bus.jsm, topology.streams.telemetry);
    const bodies = Array.from({ length: MESSAGES }, (_, i) => {
      const m = telemetry(i);
      return { subject: topology.subjects.telemetry(m.device, m.subscription), data: new TextEncoder().encode(JSON.stringify(m)) };
    });
    // Sanity: what we publish is what the kit accepts.
    decodeTelemetryMessage(bodies[0]!.data);
    await windowed(MESSAGES, 1_000, (i) => bus.publish(bodies[i]!.subject, bodies[i]!.data));

    let lost = 0;
    const { base, ours } = await alternate(
      ROUNDS,
      (r) => rateOf(MESSAGES, () => bareRound(bus, stream, filter, r)),
      (r) =>
        rateOf(MESSAGES, async () => {
          lost += (await kitRound(bus, ns, `kit-${r}`, 'validate')).lost;
        }),
      (b, o) => `bare ${round(b)} msgs/s, kit ${round(o)} msgs/s`,
    );
    const trust = await rateOf(MESSAGES, async () => void (await kitRound(bus, ns, 'kit-trust', 'trust')));
    console.error(`kit with decode 'trust': ${round(trust)} msgs/s`);

    const common = { NATS_URL: servers, NATS_NAMESPACE: ns };
    const exporter = await exampleRate(bus, stream, 'bench-exporter', 'tools/consumer-examples/prometheus-exporter/src/main.ts', {
      ...common,
      EXPORTER_DURABLE: 'bench-exporter',
      EXPORTER_DELIVER_POLICY: 'all',
      EXPORTER_PATHS: '/interfaces/**',
      EXPORTER_HTTP_HOST: '127.0.0.1',
      EXPORTER_HTTP_PORT: '0',
    });
    console.error(`exporter: ${round(exporter)} msgs/s`);
    await ensureDatabase(databaseUrl);
    const sink = await exampleRate(bus, stream, 'bench-sink', 'tools/consumer-examples/postgres-sink/src/main.ts', {
      ...common,
      DATABASE_URL: databaseUrl,
      SINK_DURABLE: 'bench-sink',
      SINK_TABLE: table,
    });
    console.error(`sink: ${round(sink)} msgs/s`);
    const rows = await countRows(databaseUrl, table);
    if (rows !== MESSAGES * 4) throw new Error(`the sink wrote ${rows} rows, not ${MESSAGES * 4}`);

    const value = Math.max(...ours);
    const baseline = Math.max(...base);
    return {
      value: round(value),
      unit: 'msgs/s',
      baseline: round(baseline),
      ratio: round(value / baseline, 3),
      kit_trust_msgs_per_s: round(trust),
      exporter_msgs_per_s: round(exporter),
      sink_msgs_per_s: round(sink),
      sink_rows: rows,
      messages: MESSAGES,
      updates_per_message: 4,
      in_flight: IN_FLIGHT,
      rounds: ROUNDS,
      lost,
    };
  } finally {
    await dropTable(databaseUrl, table).catch(() => undefined);
    await deleteNamespace(bus, topology);
    await bus.close();
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  if (u.username === '') u.username = process.env.PGUSER ?? process.env.USER ?? userInfo().username;
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const countRows = (url: string, table: string) =>
  withClient(url, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
const dropTable = (url: string, table: string) => withClient(url, (c) => c.query(`DROP TABLE IF EXISTS ${table}`));

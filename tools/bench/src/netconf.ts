import { Client, type ClientChannel } from 'ssh2';
import { createLogger } from '@switch-telemetry/logging';
import {
  BASE_10,
  BASE_11,
  Deframer,
  connectNetconf,
  createSubscriptionXml,
  fingerprintOf,
  frame,
  getXml,
  helloXml,
  normalizeNotification,
  normalizeReply,
  rpcXml,
  type Filter,
} from '@switch-telemetry/netconf';
import { alternate, rateOf, round, windowed } from './measure';
import { spawnSimulator } from './process';

const RPCS = Number(process.env.BENCH_RPCS ?? 3_000);
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 20_000);
const IN_FLIGHT = 16;
const ROUNDS = 2;
const FILTER: Filter = { subtree: '<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>' };

const log = createLogger({ app: 'bench', level: 'warn' });

interface Device {
  host: string;
  port: number;
  fingerprint: string;
}

/** The framing layer alone: an SSH channel to the subsystem, hello, then bytes deframed and counted, never parsed. */
async function rawChannel(device: Device): Promise<{ channel: ClientChannel; deframer: Deframer; close(): void }> {
  const ssh = new Client();
  await new Promise<void>((res, rej) => {
    ssh.once('ready', () => res());
    ssh.once('error', rej);
    ssh.connect({
      host: device.host,
      port: device.port,
      username: 'bench',
      password: 'bench-pw',
      hostVerifier: (key: Buffer) => fingerprintOf(key) === device.fingerprint,
    });
  });
  const channel = await new Promise<ClientChannel>((res, rej) => ssh.subsys('netconf', (err, ch) => (err ? rej(err) : res(ch))));
  const deframer = new Deframer('eom');
  channel.write(frame(helloXml([BASE_10, BASE_11]), 'eom'));
  await new Promise<void>((res) => {
    const onData = (chunk: Buffer) => {
      deframer.write(chunk);
      if (deframer.next()) {
        channel.off('data', onData);
        deframer.setFraming('chunked'); // the simulated device speaks base:1.1
        res();
      }
    };
    channel.on('data', onData);
  });
  return { channel, deframer, close: () => ssh.end() };
}

/** Count `n` framed messages arriving on the channel. */
function countMessages(raw: Awaited<ReturnType<typeof rawChannel>>, n: number, onEach?: () => void): Promise<void> {
  return new Promise((res) => {
    let seen = 0;
    const onData = (chunk: Buffer) => {
      raw.deframer.write(chunk);
      while (raw.deframer.next()) {
        seen += 1;
        onEach?.();
        if (seen === n) {
          raw.channel.off('data', onData);
          return res();
        }
      }
    };
    raw.channel.on('data', onData);
  });
}

async function rawGets(device: Device): Promise<void> {
  const raw = await rawChannel(device);
  let sent = 0;
  const send = () => {
    if (sent < RPCS) raw.channel.write(frame(rpcXml(++sent, getXml(FILTER)), 'chunked'));
  };
  const done = countMessages(raw, RPCS, send);
  for (let i = 0; i < IN_FLIGHT; i += 1) send();
  await done;
  raw.close();
}

/** A NETCONF session to the simulated device through our client, as the collector opens one. */
function connectBench(device: Device) {
  return connectNetconf({
    host: device.host,
    port: device.port,
    username: 'bench',
    password: 'bench-pw',
    hostKey: { fingerprints: [device.fingerprint] },
    log,
  });
}

async function parsedGets(device: Device): Promise<void> {
  const c = await connectBench(device);
  await windowed(RPCS, IN_FLIGHT, async () => normalizeReply(await c.session.get(FILTER), 'sim', 'bench'));
  await c.close();
}

async function rawNotifications(device: Device): Promise<void> {
  const raw = await rawChannel(device);
  raw.channel.write(frame(rpcXml(1, createSubscriptionXml({ stream: 'NETCONF' })), 'chunked'));
  await countMessages(raw, NOTIFICATIONS + 1); // the <ok/> and then the notifications
  raw.close();
}

async function parsedNotifications(device: Device): Promise<void> {
  const c = await connectBench(device);
  await c.session.createSubscription({ stream: 'NETCONF' });
  let n = 0;
  for await (const notification of c.session.notificationStream()) {
    normalizeNotification(notification, 'sim', 'bench');
    if (++n >= NOTIFICATIONS) break;
  }
  await c.close();
}

export async function netconfBench(): Promise<Record<string, unknown>> {
  // The simulated device in its own process, streaming notifications as fast as the channel takes them.
  const { sim, first } = await spawnSimulator([
    '--gnmi',
    '0',
    '--netconf',
    '1',
    '--netconf-port',
    '0',
    '--notification-ms',
    '0',
    '--interfaces',
    '8',
  ]);
  const info = first as { address: string; port: number; host_key: string };
  const device: Device = { host: info.address, port: info.port, fingerprint: info.host_key };
  try {
    await parsedGets(device); // warm-up
    const gets = await alternate(
      ROUNDS,
      () => rateOf(RPCS, () => rawGets(device)),
      () => rateOf(RPCS, () => parsedGets(device)),
      (b, o) => `get: framing only ${round(b)} /s, parsed + normalised ${round(o)} /s`,
    );
    const notes = await alternate(
      ROUNDS,
      () => rateOf(NOTIFICATIONS, () => rawNotifications(device)),
      () => rateOf(NOTIFICATIONS, () => parsedNotifications(device)),
      (b, o) => `notifications: framing only ${round(b)} /s, parsed + normalised ${round(o)} /s`,
    );
    const getValue = Math.max(...gets.ours);
    const getBase = Math.max(...gets.base);
    const value = Math.max(...notes.ours);
    const baseline = Math.max(...notes.base);
    return {
      value: round(value),
      unit: 'notifications/s',
      baseline: round(baseline),
      ratio: round(value / baseline, 3),
      get_rpcs_per_s: round(getValue),
      get_baseline_per_s: round(getBase),
      get_ratio: round(getValue / getBase, 3),
      rpcs: RPCS,
      notifications: NOTIFICATIONS,
      in_flight: IN_FLIGHT,
    };
  } finally {
    sim.kill('SIGTERM');
  }
}

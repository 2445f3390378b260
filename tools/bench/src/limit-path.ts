// The pipeline's limit path: what the collector must do per message, and
// nothing else, in one process and a tight loop. SubscribeResponse bytes as a
// simulated device sends them → decode, normalise and serialise (the wire
// decoder) → a Nats-Msg-Id from the content → pipelined JetStream publish →
// acknowledgement, with the collector's in-flight bound. Its CPU per message
// is the pipeline bench's baseline: the collector's cost over it is what the
// sessions, the sink and gRPC's HTTP/2 receive add.
import { readFileSync } from 'node:fs';
import { connectBus } from '@switch-telemetry/bus';
import { contentId } from '@switch-telemetry/collection';
import { messageHead, subscribeResponseToJson } from '@switch-telemetry/gnmi';
import { createLogger } from '@switch-telemetry/logging';

/** Length-prefixed (uint32 BE) SubscribeResponse messages, as captured. */
export function readCapture(file: string): Buffer[] {
  const all = readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length;) {
    const n = all.readUInt32BE(at);
    out.push(all.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/**
 * Runs in its own process (`main.js pipeline-limit <capture> <nats> <namespace> <messages> <devices> <in-flight>`); prints one JSON line.
 */
export async function limitPathMain(args: string[]): Promise<Record<string, unknown>> {
  const [file, natsUrl, namespace, messagesArg, devicesArg, inFlightArg] = args as [string, string, string, string, string, string];
  const responses = readCapture(file);
  const messages = Number(messagesArg);
  const devices = Number(devicesArg);
  const bus = await connectBus({ servers: natsUrl, name: 'bench-limit-path', log: createLogger({ app: 'bench', level: 'warn' }) });
  // One head per device, as each device's stream has: the same bytes become distinct messages.
  const targets = Array.from({ length: devices }, (_, d) => {
    const device = `limit-${d}`;
    return {
      device,
      head: messageHead(device, 'counters'),
      subject: `${namespace}.telemetry.${device}.counters`,
      headers: { device, source: 'gnmi', 'Content-Type': 'application/json' },
    };
  });
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  // A window of in-flight publishes, refilled from each acknowledgement's callback (no promise per message).
  const window = Number(inFlightArg);
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let done = 0;
    const sendNext = (): void => {
      const i = next++;
      if (i >= messages) return;
      const target = targets[i % devices]!;
      const response = subscribeResponseToJson(responses[Math.floor(i / devices) % responses.length]!, target.head);
      if (response.kind !== 'update') return acked(undefined);
      bus.send(target.subject, response.data, { msgId: `${target.device}:${contentId(response.data)}`, headers: target.headers }, acked);
    };
    const acked = (err: Error | undefined): void => {
      if (err) return reject(err);
      if (++done === messages) return resolve();
      sendNext();
    };
    for (let k = 0; k < Math.min(window, messages); k += 1) sendNext();
  });
  const cpu = process.cpuUsage(before);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await bus.close();
  return {
    messages,
    cpu_us_per_msg: (cpu.user + cpu.system) / messages,
    user_us_per_msg: cpu.user / messages,
    system_us_per_msg: cpu.system / messages,
    per_s: messages / seconds,
  };
}

import type { KV } from '@nats-io/kv';
import type { Pool } from '@switch-telemetry/db';
import { discard, type JobContext, type JobResult } from '@switch-telemetry/jobs';
import type { Logger } from '@switch-telemetry/logging';
import type { DiscoveredDevices } from './discovered';
import { identifyGnmi, identifyNetconf, type DiscoveryProfile, type ProfileCredentials, type Unidentified } from './identify';
import { scanPorts, type ScanCounts } from './probe';
import { ScanStore } from './store';
import { hostCount, hostsOf, type Subnet, type SubnetPolicy } from './targets';

/** gNMI ports probed by default: the IANA port, the common vendor ports. */
export const DEFAULT_GNMI_PORTS: readonly number[] = [57400, 9339, 6030, 50051];
/** NETCONF over SSH (RFC 6242). */
export const DEFAULT_NETCONF_PORTS: readonly number[] = [830];
/** Open ports identified at once. */
export const IDENTIFY_CONCURRENCY = 32;
/** How often progress is written (the table, the KV entry) and a cancellation looked for. */
export const PROGRESS_EVERY_MS = 1_000;

export interface ScanWorkerOptions {
  pool: Pool;
  /** The `discovery-scans` bucket: one entry per scan with its progress. */
  progress?: KV;
  policy: SubnetPolicy;
  profiles: readonly DiscoveryProfile[];
  credentialsOf: (profile: DiscoveryProfile) => Promise<ProfileCredentials>;
  discovered: DiscoveredDevices;
  gnmiPorts?: readonly number[];
  netconfPorts?: readonly number[];
  concurrency?: number;
  probeTimeoutMs?: number;
  ratePerS?: number;
  identifyTimeoutMs?: number;
  missingAfterScans?: number;
  log: Logger;
}

/** The KV key of a scan's progress (`.` is a separator in KV keys; job ids have none that matter, but be sure). */
export const progressKey = (scanId: string) => scanId.replace(/[^A-Za-z0-9_=-]/g, '_');

/**
 * The `discovery-scan` worker: probes every address of the subnet on the gNMI and NETCONF ports, identifies
 * each open port with the discovery profiles, records what it finds (a result per open port, a device per
 * identified one), writes its progress about every second, and stops when a user cancels it. A subnet the
 * policy refuses is discarded with the reason. Run again after its process died, it starts over.
 */
export function scanWorker(options: ScanWorkerOptions): (args: { subnet: string }, ctx: JobContext) => Promise<void | JobResult> {
  const store = new ScanStore(options.pool);
  const gnmiPorts = options.gnmiPorts ?? DEFAULT_GNMI_PORTS;
  const netconfPorts = options.netconfPorts ?? DEFAULT_NETCONF_PORTS;
  const ports = [...gnmiPorts, ...netconfPorts];

  return async ({ subnet: text }, ctx) => {
    let subnet: Subnet;
    try {
      subnet = options.policy.check(text);
    } catch (err) {
      return discard((err as Error).message);
    }
    const scanId = ctx.id;
    const total = hostCount(subnet);
    await store.begin(scanId, subnet.cidr, total);
    const controller = new AbortController();
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    let counts: ScanCounts = { probed: 0, total, open: 0, refused: 0, timeout: 0, errors: 0 };
    let identified = 0;
    let created = 0;
    let cancelled = false;
    const startedAt = new Date().toISOString();

    const writeProgress = async (state: string) => {
      ctx.working();
      if (await store.progress(scanId, counts, identified, created).catch(() => false)) {
        cancelled = true;
        controller.abort();
      }
      await options.progress
        ?.put(
          progressKey(scanId),
          JSON.stringify({
            v: 1,
            scan: scanId,
            subnet: subnet.cidr,
            state,
            ...counts,
            identified,
            created_devices: created,
            started_at: startedAt,
          }),
        )
        .catch((err: unknown) => ctx.log.warn({ err }, 'writing scan progress to the KV bucket failed'));
    };
    const ticker = setInterval(() => void writeProgress('running'), PROGRESS_EVERY_MS);

    // Identification runs beside the port scan, a bounded number at once.
    const queue: Array<{ host: string; port: number }> = [];
    let running = 0;
    let drained: (() => void) | undefined;
    const identifyOne = async (host: string, port: number) => {
      const isGnmi = gnmiPorts.includes(port);
      const identity = isGnmi
        ? await identifyGnmi(host, port, options.profiles, options.credentialsOf, { log: ctx.log, timeoutMs: options.identifyTimeoutMs })
        : await identifyNetconf(host, port, options.profiles, options.credentialsOf, {
            log: ctx.log,
            timeoutMs: options.identifyTimeoutMs,
          });
      if ('code' in identity) {
        const why = identity as Unidentified;
        await store.addResult(scanId, {
          address: host,
          port,
          protocol: null,
          profile: null,
          reason: why.code,
          message: why.message,
          details: {},
          device_id: null,
        });
        return;
      }
      const profile = options.profiles.find((p) => p.name === identity.profile)!;
      const { deviceId, created: isNew } = await options.discovered.record(identity, host, port, scanId, profile);
      identified += 1;
      if (isNew) created += 1;
      const { protocol, profile: profileName, ...details } = identity;
      await store.addResult(scanId, {
        address: host,
        port,
        protocol,
        profile: profileName,
        reason: null,
        message: null,
        details,
        device_id: deviceId,
      });
    };
    const pump = () => {
      while (running < IDENTIFY_CONCURRENCY && queue.length > 0 && !controller.signal.aborted) {
        const next = queue.shift()!;
        running += 1;
        void identifyOne(next.host, next.port)
          .catch((err: unknown) => ctx.log.warn({ err, host: next.host, port: next.port }, 'identifying an open port failed'))
          .finally(() => {
            running -= 1;
            pump();
            if (running === 0 && queue.length === 0) drained?.();
          });
      }
    };

    try {
      counts = await scanPorts({
        hosts: hostsOf(subnet),
        total,
        ports,
        signal: controller.signal,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.probeTimeoutMs !== undefined ? { timeoutMs: options.probeTimeoutMs } : {}),
        ...(options.ratePerS !== undefined ? { ratePerS: options.ratePerS } : {}),
        onOpen: (host, port) => {
          queue.push({ host, port });
          pump();
        },
        onProgress: (c) => (counts = c),
        progressEveryMs: 200,
      });
      if (running > 0 || queue.length > 0) await new Promise<void>((resolve) => (drained = resolve));
    } finally {
      clearInterval(ticker);
      ctx.signal.removeEventListener('abort', stop);
    }
    if (ctx.signal.aborted) throw new Error('the scan was stopped (job timeout or shutdown)');
    await writeProgress(cancelled ? 'cancelled' : 'finished');
    if (!cancelled) {
      const missed = await options.discovered.markMissed(subnet, scanId, options.missingAfterScans);
      if (missed > 0) ctx.log.info({ missed, subnet: subnet.cidr }, 'devices of the subnet not found by this scan');
    }
    await store.finish(scanId, cancelled ? 'cancelled' : 'finished');
    ctx.log.info({ scan: scanId, subnet: subnet.cidr, ...counts, identified, created, cancelled }, 'discovery scan done');
  };
}

import type { JetStreamManager } from '@nats-io/jetstream';
import type { Bus, Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import type { Logger } from '@switch-telemetry/logging';
import { Gauge, type Registry } from 'prom-client';
import { ensureConsumer } from './consumers';
import { CronScheduler, validateCronEntry, type CronEntry } from './cron';
import { DeadLetterStore, type DeadJob, type DeadJobFilter } from './dead-letters';
import { encodeEnvelope, type JobEnvelope } from './envelope';
import { DeadJobNotFoundError, EnqueueError, InvalidJobArgsError, InvalidJobDefinitionError } from './errors';
import { newJobId, uniqueHash, uniqueJobId } from './job-id';
import { JOB_MAX_ATTEMPTS, type JobType } from './job-type';
import { createJobMetrics, type JobMetrics } from './metrics';
import { DEAD_LETTER_RETRY_MS, QueueRunner, type Handler, type Perform } from './runner';
import { Scheduler } from './scheduler';
import { QUEUES } from '@switch-telemetry/contracts';

/** The queues and their concurrency (enforced across every replica), as the contracts declare them. */
export const DEFAULT_QUEUES: Readonly<Record<string, number>> = Object.freeze({ ...QUEUES });
/** A job's lease: without a heartbeat for this long, JetStream gives it to another replica. */
export const JOB_ACK_WAIT_MS = 30_000;
/** How many waiting jobs the scheduler consumer may hold; beyond it, new waiting jobs wait for a slot. */
export const SCHEDULER_MAX_PENDING = 100_000;
const PUBLISH_TIMEOUT_MS = 5_000;
const DEPTH_TIMEOUT_MS = 1_000;

export interface JobRuntimeOptions {
  bus: Bus;
  topology: Topology;
  pool: Pool;
  log: Logger;
  registry: Registry;
  /** Concurrency per queue; the four of docs/CONTRACTS.md by default. */
  queues?: Record<string, number>;
  ackWaitMs?: number;
  schedulerMaxPending?: number;
  /** How long a job waits before its dead-letter write is retried when PostgreSQL is down. */
  deadLetterRetryMs?: number;
  /** Run the scheduler that moves waiting jobs (default true). */
  scheduler?: boolean;
  /** Injectable randomness for backoff jitter. */
  random?: () => number;
}

export interface EnqueueOptions {
  /** Run no earlier than this time. */
  runAt?: Date;
  /** Run no earlier than this many ms from now. */
  runInMs?: number;
  /**
   * The job's id, chosen by the caller (a webhook delivery): enqueueing the
   * same id again within the JOBS stream's duplicate window stores one job.
   */
  id?: string;
  /**
   * Makes this job unique on a key of the caller's (a webhook's delivery id)
   * rather than on its arguments: enqueueing the same key again within the
   * JOBS stream's duplicate window stores one job and answers `duplicate`
   * with the first one's id. Ids stay unique: a key enqueued again after the
   * window is a new job with a new id. Not with `id`.
   */
  uniqueKey?: string;
  /** How long to wait for JetStream to store it (default 5 s). */
  timeoutMs?: number;
}

export interface Enqueued {
  id: string;
  /** True when an equal unique job was enqueued within the window: `id` is that job's. */
  duplicate: boolean;
}

/**
 * The job runtime over the JOBS stream:
 * enqueue with validated arguments, unique jobs, run-at and cron schedules,
 * queues with cluster-wide concurrency, retries with backoff, snooze,
 * discard, dead letters in PostgreSQL, graceful stop.
 */
export class JobRuntime {
  readonly deadLetters: DeadLetterStore;
  private readonly handlers = new Map<string, Map<string, Handler>>();
  private readonly cronEntries: CronEntry[] = [];
  private readonly runners: QueueRunner[] = [];
  private readonly queues: Readonly<Record<string, number>>;
  private readonly ackWaitMs: number;
  private readonly metrics: JobMetrics;
  private scheduler: Scheduler | undefined;
  private cron: CronScheduler | undefined;
  private started = false;

  constructor(private readonly options: JobRuntimeOptions) {
    this.queues = Object.freeze({ ...(options.queues ?? DEFAULT_QUEUES) });
    for (const [queue, n] of Object.entries(this.queues)) {
      if (!Number.isInteger(n) || n < 1) throw new InvalidJobDefinitionError(`queue ${queue}: concurrency must be a whole number ≥ 1`);
    }
    this.ackWaitMs = options.ackWaitMs ?? JOB_ACK_WAIT_MS;
    this.deadLetters = new DeadLetterStore(options.pool);
    this.metrics = createJobMetrics(options.registry);
    this.registerDepthGauge(options.registry);
  }

  private assertQueue(type: JobType<unknown>): void {
    if (this.queues[type.queue] === undefined) {
      throw new InvalidJobDefinitionError(`job ${type.name}: queue ${type.queue} is not one of ${Object.keys(this.queues).join(', ')}`);
    }
  }

  /** Registers the code that performs a job type here. Call before `start()`. */
  work<A>(type: JobType<A>, perform: Perform<A>): this {
    if (this.started) throw new InvalidJobDefinitionError(`job ${type.name}: register workers before start()`);
    this.assertQueue(type as JobType<unknown>);
    const queue = this.handlers.get(type.queue) ?? new Map<string, Handler>();
    if (queue.has(type.name)) throw new InvalidJobDefinitionError(`job ${type.name}: a worker is already registered`);
    queue.set(type.name, { type: type as JobType<unknown>, perform: perform as Perform<unknown> });
    this.handlers.set(type.queue, queue);
    return this;
  }

  /** Enqueues `type` with `args` at every slot of a cron expression (UTC), once per slot across replicas. */
  schedule<A>(entry: CronEntry<A>): this {
    if (this.started) throw new InvalidJobDefinitionError(`cron ${entry.name}: schedule before start()`);
    this.assertQueue(entry.type as JobType<unknown>);
    validateCronEntry(entry as CronEntry);
    this.cronEntries.push(entry as CronEntry);
    return this;
  }

  /** Creates the consumers and starts the queues with workers here, the scheduler and the cron schedules. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { bus, topology, log } = this.options;
    const stream = topology.streams.jobs.name;
    const deps = {
      bus,
      topology,
      store: this.deadLetters,
      metrics: this.metrics,
      log: log.child({ component: 'jobs' }),
      ackWaitMs: this.ackWaitMs,
      deadLetterRetryMs: this.options.deadLetterRetryMs ?? DEAD_LETTER_RETRY_MS,
      random: this.options.random ?? Math.random,
    };
    for (const [queue, handlers] of this.handlers) {
      const name = queueConsumerName(queue);
      await ensureConsumer(bus.jsm, {
        stream,
        name,
        filterSubject: topology.subjects.jobQueue(queue),
        maxAckPending: this.queues[queue]!,
        ackWaitMs: this.ackWaitMs,
      });
      const runner = new QueueRunner(queue, this.queues[queue]!, await bus.js.consumers.get(stream, name), handlers, deps);
      runner.start();
      this.runners.push(runner);
    }
    if (this.options.scheduler !== false) {
      await ensureConsumer(bus.jsm, {
        stream,
        name: SCHEDULER_CONSUMER,
        filterSubject: topology.subjects.scheduledJobs(),
        maxAckPending: this.options.schedulerMaxPending ?? SCHEDULER_MAX_PENDING,
        ackWaitMs: this.ackWaitMs,
      });
      this.scheduler = new Scheduler(await bus.js.consumers.get(stream, SCHEDULER_CONSUMER), bus, topology, this.deadLetters, deps.log);
      this.scheduler.start();
    }
    if (this.cronEntries.length > 0) {
      this.cron = new CronScheduler(this.cronEntries, (entry, slot) => this.enqueueSlot(entry, slot), deps.log);
      this.cron.start();
    }
    log.info({ queues: [...this.handlers.keys()], cron: this.cronEntries.map((c) => c.name) }, 'job runtime started');
  }

  /** Stops pulling; running jobs get `graceMs` to finish, the rest are handed back to other replicas. */
  async stop(graceMs: number): Promise<void> {
    this.cron?.stop();
    await Promise.all([...this.runners.map((r) => r.stop(graceMs)), this.scheduler?.stop()]);
  }

  /**
   * Validates `args` against the job type (an InvalidJobArgsError names each
   * bad field; nothing reaches the queue) and stores the job in JetStream.
   * When this resolves, the job is stored.
   */
  async enqueue<A>(type: JobType<A>, args: A, options: EnqueueOptions = {}): Promise<Enqueued> {
    if (options.id !== undefined && !/^[A-Za-z0-9_.:-]{1,200}$/.test(options.id)) {
      throw new InvalidJobArgsError(`job id must be 1-200 of A-Z a-z 0-9 _ . : -`, { details: { job: type.name } });
    }
    if (options.uniqueKey !== undefined && options.id !== undefined) {
      throw new InvalidJobArgsError(`a job has either an id or a unique key, not both`, { details: { job: type.name } });
    }
    return this.enqueueWith(type, args, options, options.id === undefined ? undefined : { id: options.id, msgId: options.id });
  }

  private async enqueueSlot(entry: CronEntry, slotMs: number): Promise<void> {
    const id = `cron-${entry.name}-${slotMs}`;
    await this.enqueueWith(entry.type, entry.args, {}, { id, msgId: id });
  }

  private async enqueueWith<A>(
    type: JobType<A>,
    args: A,
    options: EnqueueOptions,
    fixed?: { id: string; msgId: string },
  ): Promise<Enqueued> {
    this.assertQueue(type as JobType<unknown>);
    const parsed = type.args.safeParse(args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', problem: i.message }));
      throw new InvalidJobArgsError(`invalid arguments for ${type.name}: ${issues.map((i) => `${i.field}: ${i.problem}`).join('; ')}`, {
        details: { job: type.name, issues },
      });
    }
    const runAt = options.runAt?.getTime() ?? (options.runInMs !== undefined ? Date.now() + options.runInMs : undefined);
    const hash =
      options.uniqueKey !== undefined
        ? uniqueHash(type.name, { key: options.uniqueKey })
        : type.unique && !fixed
          ? uniqueHash(type.name, parsed.data)
          : undefined;
    const envelope: JobEnvelope = {
      v: 1,
      id: fixed?.id ?? (hash ? '' : newJobId()),
      queue: type.queue,
      worker: type.name,
      args: parsed.data,
      attempt: 0,
      maxAttempts: type.maxAttempts,
      snoozes: 0,
      errors: [],
      enqueuedAt: new Date().toISOString(),
      ...(hash ? { unique: hash } : {}),
    };
    const waits = runAt !== undefined && runAt > Date.now();
    if (waits) envelope.runAt = runAt;
    const subject = waits
      ? this.options.topology.subjects.scheduledJob(type.queue, type.name)
      : this.options.topology.subjects.job(type.queue, type.name);
    // Only unique jobs and cron slots need JetStream's de-duplication; a fresh
    // job's random id would never repeat, so it goes without the header.
    const msgId = fixed?.msgId ?? (hash ? `unique:${type.name}:${hash}` : undefined);
    let ack;
    try {
      ack = await this.options.bus.publish(subject, encodeEnvelope(envelope), {
        timeoutMs: options.timeoutMs ?? PUBLISH_TIMEOUT_MS,
        ...(msgId === undefined ? {} : { msgId }),
      });
    } catch (cause) {
      throw new EnqueueError(`JetStream did not store the ${type.name} job`, { cause, details: { job: type.name } });
    }
    if (!ack.duplicate) this.metrics.enqueued.inc({ queue: type.queue, worker: type.name });
    return { id: hash ? uniqueJobId(type.name, hash, ack.seq) : envelope.id, duplicate: ack.duplicate };
  }

  /** Dead jobs, newest first. */
  listDeadJobs(filter: DeadJobFilter = {}): Promise<DeadJob[]> {
    return this.deadLetters.list(filter);
  }

  /** Enqueues a dead job again with a fresh attempt count and a new id, then removes the dead letter. */
  async retryDeadJob(id: string): Promise<Enqueued> {
    const dead = await this.deadLetters.get(id);
    if (!dead) throw new DeadJobNotFoundError(`no dead job ${id}`, { details: { id } });
    if (dead.outcome === 'undecodable') {
      throw new InvalidJobDefinitionError(`dead job ${id} could not be decoded; there is nothing to run again`);
    }
    const envelope: JobEnvelope = {
      v: 1,
      id: newJobId(),
      queue: dead.queue,
      worker: dead.worker,
      args: dead.args,
      attempt: 0,
      maxAttempts: dead.maxAttempts ?? JOB_MAX_ATTEMPTS,
      snoozes: 0,
      errors: [],
      enqueuedAt: new Date().toISOString(),
    };
    try {
      await this.options.bus.publish(this.options.topology.subjects.job(dead.queue, dead.worker), encodeEnvelope(envelope), {
        msgId: envelope.id,
        timeoutMs: PUBLISH_TIMEOUT_MS,
      });
    } catch (cause) {
      throw new EnqueueError(`JetStream did not store the retried job ${id}`, { cause });
    }
    await this.deadLetters.delete(id);
    return { id: envelope.id, duplicate: false };
  }

  deleteDeadJob(id: string): Promise<boolean> {
    return this.deadLetters.delete(id);
  }

  private registerDepthGauge(registry: Registry): void {
    const queues = () => [...this.handlers.keys()];
    const { bus, topology } = this.options;
    new Gauge({
      name: 'jobs_queue_depth',
      help: 'Jobs waiting or running per queue (JetStream consumer pending + ack pending)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        await Promise.all(
          queues().map(async (queue) => {
            const depth = await queueDepth(bus.jsm, topology.streams.jobs.name, queue);
            if (depth !== undefined) this.set({ queue }, depth);
          }),
        );
      },
    });
  }
}

const SCHEDULER_CONSUMER = 'jobs-scheduler';

/** The durable consumer a queue's workers share on the JOBS stream (`jobs-default`); an autoscaler reads its lag by this name. */
export function queueConsumerName(queue: string): string {
  return `jobs-${queue}`;
}

async function queueDepth(jsm: JetStreamManager, stream: string, queue: string): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      jsm.consumers.info(stream, queueConsumerName(queue)),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), DEPTH_TIMEOUT_MS))),
    ]);
    return info.num_pending + info.num_ack_pending;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

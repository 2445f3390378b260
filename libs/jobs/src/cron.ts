import { CronExpressionParser } from 'cron-parser';
import { assertSubjectToken } from '@switch-telemetry/bus';
import type { Logger } from '@switch-telemetry/logging';
import { InvalidJobDefinitionError } from './errors';
import type { JobType } from './job-type';

export interface CronEntry<A = unknown> {
  /** Names the schedule; part of every slot's job id. */
  name: string;
  /** Five fields (minute precision) or six (seconds first); evaluated in UTC. */
  expression: string;
  type: JobType<A>;
  args: A;
}

/** Enqueues one slot's job; the id is the same on every replica, so JetStream stores it once. */
export type SlotEnqueue = (entry: CronEntry, slotMs: number) => Promise<void>;

/** The next slot strictly after `afterMs` (epoch ms). */
export function nextSlot(expression: string, afterMs: number): number {
  return CronExpressionParser.parse(expression, { currentDate: new Date(afterMs), tz: 'UTC' })
    .next()
    .getTime();
}

/** Checks the name and the expression of a cron entry; throws InvalidJobDefinitionError. */
export function validateCronEntry(entry: CronEntry): void {
  try {
    assertSubjectToken('cron name', entry.name);
    nextSlot(entry.expression, Date.now());
  } catch (cause) {
    throw new InvalidJobDefinitionError(`cron ${entry.name} (${entry.expression}): ${(cause as Error).message}`, { cause });
  }
}

/**
 * Fires each entry at its slots. Every replica runs the same schedules; the
 * slot's job id is `cron-<name>-<slot ms>`, its Nats-Msg-Id too, so the
 * stream's duplicate window keeps one job per slot however many replicas fire.
 */
export class CronScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly entries: readonly CronEntry[],
    private readonly enqueueSlot: SlotEnqueue,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const entry of this.entries) this.arm(entry, Date.now());
  }

  private arm(entry: CronEntry, afterMs: number): void {
    if (this.stopped) return;
    const slot = nextSlot(entry.expression, afterMs);
    const timer = setTimeout(
      () => {
        this.enqueueSlot(entry, slot).catch((err) => this.log.error({ err, cron: entry.name, slot }, 'cron slot could not be enqueued'));
        // From the slot itself, not from now: a late timer must not skip or repeat a slot.
        this.arm(entry, slot);
      },
      Math.max(slot - Date.now(), 0),
    );
    timer.unref();
    this.timers.set(entry.name, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

export { JobErrorCodes } from './codes';
export { ConsumeLoop, ensureConsumer, type ConsumerSpec } from './consumers';
export { CronScheduler, nextSlot, type CronEntry } from './cron';
export { DeadLetterStore, type DeadJob, type DeadJobFilter, type DeadOutcome } from './dead-letters';
export type { JobErrorRecord } from './envelope';
export {
  DeadJobNotFoundError,
  DiscardedError,
  EnqueueError,
  InvalidJobArgsError,
  InvalidJobDefinitionError,
  JobTimeoutError,
  ProcessDiedError,
} from './errors';
export { JOB_BACKOFF, JOB_MAX_ATTEMPTS, JOB_TIMEOUT_MS, defineJob, type JobType, type JobTypeSpec } from './job-type';
export { discard, snooze, type JobContext, type JobResult, type Perform } from './runner';
export {
  DEFAULT_QUEUES,
  JOB_ACK_WAIT_MS,
  JobRuntime,
  SCHEDULER_MAX_PENDING,
  queueConsumerName,
  type EnqueueOptions,
  type Enqueued,
  type JobRuntimeOptions,
} from './runtime';

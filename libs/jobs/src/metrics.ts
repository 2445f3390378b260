import { Counter, Histogram, type Registry } from 'prom-client';

export type JobOutcome = 'completed' | 'retried' | 'snoozed' | 'discarded' | 'exhausted' | 'undecodable';

/** The job runtime's series; one set per registry. */
export interface JobMetrics {
  jobs: Counter<'queue' | 'worker' | 'outcome'>;
  duration: Histogram<'queue' | 'worker'>;
  deadLetters: Counter<'queue' | 'worker' | 'outcome'>;
  enqueued: Counter<'queue' | 'worker'>;
}

export function createJobMetrics(registry: Registry): JobMetrics {
  return {
    jobs: new Counter({
      name: 'jobs_total',
      help: 'Jobs run, by queue, worker and outcome',
      labelNames: ['queue', 'worker', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time spent in perform, by queue and worker',
      labelNames: ['queue', 'worker'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'jobs_dead_letters_total',
      help: 'Jobs written to the dead letters, by queue, worker and outcome',
      labelNames: ['queue', 'worker', 'outcome'],
      registers: [registry],
    }),
    enqueued: new Counter({
      name: 'jobs_enqueued_total',
      help: 'Jobs enqueued by this process (duplicates of unique jobs not counted)',
      labelNames: ['queue', 'worker'],
      registers: [registry],
    }),
  };
}

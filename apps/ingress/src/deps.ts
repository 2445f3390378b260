import type { Bus, Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import type { JobRuntime } from '@switch-telemetry/jobs';
import type { Logger } from '@switch-telemetry/logging';

/** What the ingress routes use. */
export interface IngressDeps {
  pool: Pool;
  bus: Bus;
  topology: Topology;
  jobs: JobRuntime;
  log: Logger;
  /** Publishes committed changes' events; kicked after each commit so they go out at once. */
  outbox: { kick(): void };
}

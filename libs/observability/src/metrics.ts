import { Registry, collectDefaultMetrics } from 'prom-client';

export type { Registry } from 'prom-client';

/** A fresh registry with Node's process metrics and an `app` label on every series. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

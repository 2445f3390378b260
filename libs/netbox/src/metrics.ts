import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const byRegistry = new WeakMap<Registry, NetboxMetrics>();

/** The NetBox integration's metrics, one set per registry (the sync and the webhook handler share it). */
export function netboxMetrics(registry: Registry): NetboxMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) byRegistry.set(registry, (metrics = create(registry)));
  return metrics;
}

function create(registry: Registry) {
  return {
    syncs: new Counter({
      name: 'netbox_syncs_total',
      help: 'NetBox listings pulled, by source and outcome (applied, failed, refused, snoozed)',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    syncDuration: new Histogram({
      name: 'netbox_sync_duration_seconds',
      help: 'How long a NetBox sync took, listing and applying, by source',
      labelNames: ['source'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    changes: new Counter({
      name: 'netbox_changes_total',
      help: 'Devices changed from NetBox, by source, path (sync, webhook) and change (created, updated, disabled, removed, superseded)',
      labelNames: ['source', 'via', 'change'],
      registers: [registry],
    }),
    objects: new Gauge({
      name: 'netbox_objects',
      help: 'NetBox devices at the last sync, by source and state (monitored, excluded, unmonitorable)',
      labelNames: ['source', 'state'],
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'netbox_last_sync_success_timestamp_seconds',
      help: 'When a sync of the source last applied (Unix time)',
      labelNames: ['source'],
      registers: [registry],
    }),
    ignored: new Counter({
      name: 'netbox_webhooks_ignored_total',
      help: 'NetBox webhooks acknowledged and left, by source and reason (an object type we do not follow)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
  };
}
export type NetboxMetrics = ReturnType<typeof create>;

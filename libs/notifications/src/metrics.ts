import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a delivery attempt (or the lack of one) ended as. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'refused' | 'disabled' | 'snoozed' | 'skipped';

export interface NotifierMetrics {
  deliveries: Counter<'outcome'>;
  latency: Histogram<'outcome'>;
  alerts: Counter<'outcome'>;
  endpointsDisabled: Counter<'reason'>;
  breakerTransitions: Counter<'to'>;
}

/** The notifier's metrics; `openBreakers` is read at each scrape. */
export function createNotifierMetrics(registry: Registry, openBreakers: () => number): NotifierMetrics {
  new Gauge({
    name: 'notifier_breakers_open',
    help: 'Receivers (origins) whose circuit breaker is open or half-open: deliveries to them wait without using attempts',
    registers: [registry],
    collect() {
      this.set(openBreakers());
    },
  });
  return {
    deliveries: new Counter({
      name: 'notifier_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retrying, failed, refused by the address guard, disabled by a 410), and deliveries snoozed by an open breaker or skipped (endpoint disabled)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'notifier_delivery_duration_seconds',
      help: 'Time from sending a webhook to its answer (or failure), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'notifier_alerts_total',
      help: 'Alerts taken from events.alert.> by outcome (fanned_out, unmatched: no endpoint wants it, undecodable: dead-lettered)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    endpointsDisabled: new Counter({
      name: 'notifier_endpoints_disabled_total',
      help: 'Endpoints the notifier disabled, by reason (gone: the receiver answered 410; failing: every attempt failed for too long)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    breakerTransitions: new Counter({
      name: 'notifier_breaker_transitions_total',
      help: "Receivers' circuit breaker state changes, by the state entered",
      labelNames: ['to'] as const,
      registers: [registry],
    }),
  };
}

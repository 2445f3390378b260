export { NotificationErrorCodes } from './codes';
export { AddressRefusedError, InvalidAllowListError, InvalidWebhookUrlError } from './errors';
export { AddressPolicy, blockedRange, checkWebhookUrl, guardedLookup, type Resolve } from './address-guard';
export { allowedHostsVariable } from './config';
export {
  DISABLE_AFTER_MS,
  DeliveryFailedError,
  DeliveryRejectedError,
  RETRY_AFTER_CAP_MS,
  USER_AGENT,
  deliveryHeaders,
  verdictOf,
  webhookDeliverer,
  type DelivererOptions,
} from './deliver';
export {
  ATTEMPT_OUTCOMES,
  DELIVERY_LOG_RETENTION_MS,
  DeliveryLog,
  attemptSchema,
  deliveryIdOf,
  deliverySchema,
  type Attempt,
  type AttemptOutcome,
  type Delivery,
  type DeliveryToSend,
} from './deliveries';
export {
  EndpointRepository,
  MAX_ENDPOINTS,
  MAX_PREVIOUS_SECRET_S,
  SecretMismatch,
  endpointEventsLane,
  endpointInputSchema,
  endpointPatchSchema,
  endpointSchema,
  redactUrl,
  secretProblem,
  type Endpoint,
  type EndpointFilter,
  type EndpointInput,
  type EndpointPatch,
} from './endpoints';
export { ALERT_CONSUMER, AlertFanOut, type AlertFanOutOptions } from './fan-out';
export {
  DELIVER_BACKOFF,
  DELIVER_MAX_ATTEMPTS,
  WEBHOOK_DELIVER_SPEC,
  notificationLogPruneJob,
  webhookDeliverJob,
  type WebhookDeliverArgs,
} from './jobs';
export { matchesWithoutTags, matchingEndpoints, severityOf, tagsMatch, type AlertFacts } from './matching';
export { createNotifierMetrics, type DeliveryOutcome, type NotifierMetrics } from './metrics';

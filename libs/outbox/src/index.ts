export { addManyToOutbox, addToOutbox, type OutboxMessage } from './outbox';
export { OUTBOX_BATCH, OUTBOX_POLL_MS, OUTBOX_PUBLISH_TIMEOUT_MS, OutboxRelay, type OutboxLane, type OutboxRelayOptions } from './relay';

-- migrate:applied-as 0004_named_credentials_and_outbox
-- Transactional outbox: an event is written in the same transaction as the
-- change it announces, and a relay publishes it to JetStream (with msg_id as
-- Nats-Msg-Id) and deletes it once acknowledged. A change that committed is
-- therefore announced even when NATS was down at the time.
CREATE TABLE outbox (
  id         bigserial PRIMARY KEY,
  subject    text NOT NULL,
  msg_id     text NOT NULL,
  headers    jsonb NOT NULL DEFAULT '{}'::jsonb,
  payload    bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

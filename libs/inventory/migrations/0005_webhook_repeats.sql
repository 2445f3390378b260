-- A webhook delivery is remembered for a bounded time, not forever: a
-- sender-given id (webhook-id, X-GitHub-Delivery, x-webhook-id) for the
-- delivery retention (days), a content-derived one (the body's hash) for the
-- content window (minutes), each from when the ingress received it. A row
-- past expires_at no longer makes an equal delivery a repeat, and the
-- maintenance job deletes it.
ALTER TABLE webhook_deliveries
  ADD COLUMN identity    text NOT NULL DEFAULT 'sender' CHECK (identity IN ('sender', 'content')),
  ADD COLUMN received_at timestamptz,
  ADD COLUMN job_id      text,
  ADD COLUMN outcome     text NOT NULL DEFAULT 'applied' CHECK (outcome IN ('applied', 'superseded')),
  ADD COLUMN expires_at  timestamptz;
-- Deliveries processed before this: kept as sender ids for a week from then.
UPDATE webhook_deliveries SET received_at = processed_at, expires_at = processed_at + interval '7 days';
ALTER TABLE webhook_deliveries
  ALTER COLUMN received_at SET NOT NULL,
  ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX webhook_deliveries_expires_idx ON webhook_deliveries (expires_at);

-- The latest change applied to each device, deleted devices included, by
-- when it happened (the sender's timestamp, else when the ingress received
-- it, else when the API or a worker made it): a change older than the one
-- applied is superseded, not applied, so a delayed change cannot roll a
-- device back or bring a deleted one back. Only the payload's timestamp says
-- when a change happened; the other two are when it was sent or arrived, so a
-- retry sent late counts as late. A deleted device's row is kept
-- for the delivery retention, then deleted by the maintenance job.
CREATE TABLE device_change_marks (
  device_id   text PRIMARY KEY,
  changed_at  timestamptz NOT NULL,
  deleted     boolean NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_change_marks_deleted_idx ON device_change_marks (recorded_at) WHERE deleted;

-- Outgoing alert webhooks: endpoint filters, secret rotation and health, and
-- the delivery log (one row per delivery, one per attempt).
ALTER TABLE webhook_endpoints
  -- Filters besides `events` (alert kinds): alerts of this severity and above,
  -- of these devices only (empty: all), of devices carrying all these tags.
  ADD COLUMN min_severity text NOT NULL DEFAULT 'info' CHECK (min_severity IN ('info', 'warning', 'critical')),
  ADD COLUMN devices text[] NOT NULL DEFAULT '{}',
  ADD COLUMN device_tags jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- A rotated-out secret keeps signing beside the new one until it expires.
  ADD COLUMN previous_secret text CHECK (previous_secret IS NULL OR length(previous_secret) >= 16),
  ADD COLUMN previous_secret_expires_at timestamptz,
  -- Set by the notifier: why and when it disabled the endpoint (410, failing too long);
  -- since when every attempt has failed (null after a success).
  ADD COLUMN disabled_reason text,
  ADD COLUMN disabled_at timestamptz,
  ADD COLUMN failing_since timestamptz;

-- One alert (or test) for one endpoint. `id` is the `webhook-id` the receiver
-- sees, the same on every attempt. `body` is the exact JSON sent.
CREATE TABLE notification_deliveries (
  id              text PRIMARY KEY CHECK (id ~ '^msg_[0-9a-z]{1,64}$'),
  endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  alert_id        text NOT NULL,
  type            text NOT NULL,
  body            text NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  next_attempt_at timestamptz,
  delivered_at    timestamptz
);
CREATE INDEX notification_deliveries_endpoint ON notification_deliveries (endpoint_id, created_at DESC);
CREATE INDEX notification_deliveries_created ON notification_deliveries (created_at);

-- Every attempt: what was answered, how long it took, what comes next.
CREATE TABLE notification_attempts (
  id               bigserial PRIMARY KEY,
  delivery_id      text NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
  endpoint_id      uuid NOT NULL,
  attempt          integer NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  outcome          text NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed', 'refused', 'disabled')),
  status_code      integer,
  latency_ms       integer,
  error_code       text,
  error            text,
  response_excerpt text,
  next_retry_at    timestamptz
);
CREATE INDEX notification_attempts_endpoint ON notification_attempts (endpoint_id, id DESC);
CREATE INDEX notification_attempts_delivery ON notification_attempts (delivery_id);

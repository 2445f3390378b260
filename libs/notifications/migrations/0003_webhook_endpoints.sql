-- migrate:applied-as 0003_webhooks
-- Outgoing alert webhooks (the notifier delivers; ingress REST manages them).
-- The secret signs deliveries; the API accepts it and never returns it.
CREATE TABLE webhook_endpoints (
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  url         text NOT NULL CHECK (url ~ '^https?://'),
  scheme      text NOT NULL DEFAULT 'standard' CHECK (scheme IN ('hex', 'github', 'standard')),
  secret      text NOT NULL CHECK (length(secret) >= 16),
  events      text[] NOT NULL DEFAULT ARRAY['*'],
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

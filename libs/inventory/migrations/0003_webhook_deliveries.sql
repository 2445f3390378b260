-- migrate:applied-as 0003_webhooks
-- Incoming webhook deliveries already processed (the webhook-process worker
-- in discovery): a sender's repeat of a delivery, even hours later, is
-- acknowledged again by ingress but processed once.
CREATE TABLE webhook_deliveries (
  source       text NOT NULL,
  delivery_id  text NOT NULL,
  event        text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, delivery_id)
);

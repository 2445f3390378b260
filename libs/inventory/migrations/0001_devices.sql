-- Device inventory (owned by libs/inventory: the webhook worker and discovery write
-- it, ingress REST writes it for users, collectors read it).
-- Credentials are referenced (credentials_ref names a secret), never stored.
CREATE TABLE devices (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,128}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  protocol        text NOT NULL CHECK (protocol IN ('gnmi', 'netconf')),
  address         text NOT NULL CHECK (length(address) BETWEEN 1 AND 255),
  port            integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  credentials_ref text CHECK (credentials_ref IS NULL OR length(credentials_ref) BETWEEN 1 AND 512),
  -- gNMI: {"ca_file", "server_name", "client_cert_ref", "insecure_skip_verify"}
  tls             jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- NETCONF: {"fingerprints": ["SHA256:..."], "known_hosts_file", "trust_on_first_use"}
  host_key        jsonb NOT NULL DEFAULT '{}'::jsonb,
  tags            jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled         boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (address, port)
);

-- What the collector asks each device for: gNMI paths with a mode and an
-- interval, or NETCONF get filters with a poll interval / notification stream.
CREATE TABLE device_subscriptions (
  device_id   text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
  paths       text[] NOT NULL CHECK (cardinality(paths) >= 1),
  mode        text NOT NULL CHECK (mode IN ('sample', 'on_change', 'target_defined', 'poll', 'once', 'get', 'notification')),
  interval_ms integer CHECK (interval_ms IS NULL OR interval_ms > 0),
  options     jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (device_id, name)
);

CREATE INDEX devices_protocol_idx ON devices (protocol);

-- Where each device record comes from, and so who may change or remove it:
-- `api` (a user, or an NMS through the device.* webhooks), `discovery` (a
-- subnet scan), `netbox:<source>` (a NetBox or Nautobot instance, by webhook
-- and by its periodic listing). A NetBox listing only ever touches the
-- devices of its own source.
ALTER TABLE devices ADD COLUMN source text NOT NULL DEFAULT 'api'
  CHECK (source ~ '^(api|discovery|netbox:[a-z0-9_-]{1,64})$');
UPDATE devices SET source = 'discovery' WHERE id IN (SELECT device_id FROM device_discovery);
CREATE INDEX devices_source_idx ON devices (source);

-- Named, versioned sets of subscriptions that devices share: a device runs
-- the subscriptions of its profiles, in order, then its own (a later one of
-- the same name replaces an earlier one). A profile edit reaches every device
-- that names it.
CREATE TABLE subscription_profiles (
  name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  version       integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  description   text NOT NULL DEFAULT '' CHECK (length(description) <= 1024),
  subscriptions jsonb NOT NULL CHECK (jsonb_typeof(subscriptions) = 'array'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE devices ADD COLUMN profiles text[] NOT NULL DEFAULT '{}' CHECK (cardinality(profiles) <= 8);
CREATE INDEX devices_profiles_idx ON devices USING gin (profiles);

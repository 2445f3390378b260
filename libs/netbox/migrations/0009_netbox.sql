-- What each NetBox device of a source is to us (owned by libs/netbox):
-- monitored (as device device_id), excluded by the source's selection, or
-- unmonitorable with the reason (no primary IP, a platform without a
-- mapping, a profile that does not exist...). Written only when it changes.
CREATE TABLE netbox_objects (
  source     text NOT NULL CHECK (source ~ '^[a-z0-9_-]{1,48}$'),
  object_id  bigint NOT NULL CHECK (object_id > 0),
  name       text NOT NULL CHECK (length(name) <= 256),
  device_id  text NOT NULL,
  state      text NOT NULL CHECK (state IN ('monitored', 'excluded', 'unmonitorable')),
  reason     text CHECK (reason IS NULL OR length(reason) <= 1024),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, object_id)
);
CREATE INDEX netbox_objects_state_idx ON netbox_objects (source, state, object_id);

-- One row per listing pulled: what it found and changed, or why it failed.
-- The newest 500 of each source are kept.
CREATE TABLE netbox_syncs (
  id          bigserial PRIMARY KEY,
  source      text NOT NULL,
  job_id      text,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('applied', 'failed', 'refused')),
  counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
  error_code  text,
  error       text CHECK (error IS NULL OR length(error) <= 2000)
);
CREATE INDEX netbox_syncs_source_idx ON netbox_syncs (source, id DESC);

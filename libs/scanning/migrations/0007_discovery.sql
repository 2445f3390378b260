-- Subnet discovery: each scan and what it found (kept DISCOVERY_RESULT_RETENTION_MS),
-- and what discovery knows of each device it found, beside the device record it
-- never edits once created (the user owns that).
CREATE TABLE discovery_scans (
  id                  text PRIMARY KEY,
  subnet              text NOT NULL,
  state               text NOT NULL CHECK (state IN ('running', 'finished', 'cancelled', 'failed')),
  total               integer NOT NULL,
  probed              integer NOT NULL DEFAULT 0,
  open                integer NOT NULL DEFAULT 0,
  refused             integer NOT NULL DEFAULT 0,
  timed_out           integer NOT NULL DEFAULT 0,
  errors              integer NOT NULL DEFAULT 0,
  identified          integer NOT NULL DEFAULT 0,
  created_devices     integer NOT NULL DEFAULT 0,
  attempt             integer NOT NULL DEFAULT 1,
  cancel_requested_at timestamptz,
  error               text,
  started_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz
);
CREATE INDEX discovery_scans_started ON discovery_scans (started_at DESC);

-- One row per open port: identified (protocol, profile, details) or not (reason).
CREATE TABLE discovery_results (
  scan_id   text NOT NULL REFERENCES discovery_scans (id) ON DELETE CASCADE,
  address   text NOT NULL,
  port      integer NOT NULL,
  protocol  text CHECK (protocol IN ('gnmi', 'netconf')),
  profile   text,
  reason    text,
  message   text,
  details   jsonb NOT NULL DEFAULT '{}'::jsonb,
  device_id text,
  PRIMARY KEY (scan_id, address, port)
);

CREATE TABLE device_discovery (
  device_id     text PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  protocol      text NOT NULL,
  vendor        text,
  -- gNMI: version, models, encodings, transport; NETCONF: capabilities, modules.
  details       jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The SSH host key seen by the last scan: recorded, trusted only when an admin approves it.
  host_key_seen text,
  first_seen    timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz NOT NULL DEFAULT now(),
  last_scan_id  text,
  -- Scans of its subnet in a row that did not find it; marked missing at DISCOVERY_MISSING_AFTER_SCANS.
  missed_scans  integer NOT NULL DEFAULT 0,
  missing_since timestamptz
);

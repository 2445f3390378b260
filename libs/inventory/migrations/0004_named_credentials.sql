-- migrate:applied-as 0004_named_credentials_and_outbox
-- Devices name their credentials and trust files; the API no longer accepts
-- free references (env:NAME, file:/path), which let a caller make the
-- collector read any variable or file and send it to any address.
ALTER TABLE devices RENAME COLUMN credentials_ref TO credentials;
-- env:DEVICE_CREDENTIALS_<NAME> keeps working as the credential <name>; any
-- other old reference is cleared (the session then reports that it has none).
UPDATE devices
   SET credentials = CASE
     WHEN credentials ~ '^env:DEVICE_CREDENTIALS_[A-Z0-9][A-Z0-9_]{0,63}$'
       THEN lower(substring(credentials FROM length('env:DEVICE_CREDENTIALS_') + 1))
     ELSE NULL
   END
 WHERE credentials IS NOT NULL;
ALTER TABLE devices ADD CONSTRAINT devices_credentials_name CHECK (credentials IS NULL OR credentials ~ '^[a-z0-9][a-z0-9_-]{0,63}$');
-- Paths are gone: ca_file, client_cert_ref and known_hosts_file cannot be mapped to names safely.
UPDATE devices SET tls = tls - 'ca_file' - 'client_cert_ref' WHERE tls ?| ARRAY['ca_file', 'client_cert_ref'];
UPDATE devices SET host_key = host_key - 'known_hosts_file' WHERE host_key ? 'known_hosts_file';

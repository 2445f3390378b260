-- Dead letters of the job runtime (libs/jobs): jobs that exhausted their
-- attempts, were discarded as permanent failures, or could not be decoded.
-- Written before the message is removed from JetStream, so nothing is lost.
CREATE TABLE dead_jobs (
  id          text PRIMARY KEY,
  queue       text NOT NULL,
  worker      text NOT NULL,
  args        jsonb,                -- NULL when the message could not be decoded
  raw         bytea,                -- the undecodable message, as received
  attempts    integer NOT NULL CHECK (attempts >= 0),
  max_attempts integer,
  outcome     text NOT NULL CHECK (outcome IN ('exhausted', 'discarded', 'undecodable')),
  reason      text NOT NULL,
  errors      jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{"at", "attempt", "class", "code", "message"}]
  enqueued_at timestamptz,
  dead_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX dead_jobs_queue_worker_idx ON dead_jobs (queue, worker, dead_at DESC);

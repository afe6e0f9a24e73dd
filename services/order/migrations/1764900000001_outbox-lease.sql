-- Up Migration
-- The relay's lease on the rows it publishes: a relay claims a batch (claimed_by, claimed_until) in a short
-- transaction with FOR UPDATE SKIP LOCKED, commits, then publishes; another replica's relay skips rows
-- whose lease runs, so each row is published once in normal operation (shared/messaging/src/outbox.ts).
ALTER TABLE outbox
  ADD COLUMN IF NOT EXISTS claimed_by text,
  ADD COLUMN IF NOT EXISTS claimed_until timestamptz;

-- Down Migration
ALTER TABLE outbox DROP COLUMN claimed_until, DROP COLUMN claimed_by;

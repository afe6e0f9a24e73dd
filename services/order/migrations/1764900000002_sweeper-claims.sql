-- Up Migration
-- With several order replicas, each stale PENDING order is recovered by one replica at a time: the sweeper
-- claims it (recovery_claimed_by/_until) in a short transaction before calling payment, never holding a
-- lock across the call. Passes that work on a whole table (payment reconciliation, idempotency retention)
-- take a lease row in job_leases instead. A claim or lease that outlives a killed replica simply expires.
ALTER TABLE orders
  ADD COLUMN recovery_claimed_by text,
  ADD COLUMN recovery_claimed_until timestamptz;
CREATE TABLE job_leases (
  name text PRIMARY KEY,
  held_by text,
  held_until timestamptz NOT NULL DEFAULT '-infinity'
);

-- Down Migration
DROP TABLE job_leases;
ALTER TABLE orders DROP COLUMN recovery_claimed_until, DROP COLUMN recovery_claimed_by;

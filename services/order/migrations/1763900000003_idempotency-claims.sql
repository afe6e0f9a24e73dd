-- Up Migration
-- Who holds an Idempotency-Key that has no order yet, and since when: a claim whose request died
-- (process killed, database gone) before its order was committed is taken over once stale, and the
-- token lets only the current holder attach an order to the key.
ALTER TABLE idempotency_keys
  ADD COLUMN claim_token uuid,
  ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();

-- Down Migration
ALTER TABLE idempotency_keys DROP COLUMN claimed_at, DROP COLUMN claim_token;

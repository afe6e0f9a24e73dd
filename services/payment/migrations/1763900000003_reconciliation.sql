-- Up Migration
-- An authorisation stays "unreconciled" until the order service has seen it belong to a committed order
-- (kept) or to none (VOIDED): its recovery sweeper reconciles the ones older than any live checkout, so
-- an authorisation never outlives a checkout that rolled back. The seeded history counts as reconciled
-- (the column is added with DEFAULT true, which rewrites nothing; new payments then default to false).
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('AUTHORIZED', 'DECLINED', 'VOIDED'));
ALTER TABLE payments ADD COLUMN reconciled boolean NOT NULL DEFAULT true;
ALTER TABLE payments ALTER COLUMN reconciled SET DEFAULT false;
-- When payment last answered for the authorisation (made or replayed): the sweeper voids only what nobody
-- was told about for a while, so a retry that was just answered AUTHORIZED is never voided under it.
ALTER TABLE payments ADD COLUMN answered_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX payments_unreconciled_idx ON payments (created_at) WHERE status = 'AUTHORIZED' AND NOT reconciled;
-- A checkout's payment is for a positive amount (the seeded history keeps its rows as they are). NOT VALID:
-- enforced for every new row, while a database from before this fix, which may hold 0 EUR payments (the
-- defect this closes), still upgrades instead of refusing to start.
ALTER TABLE payments ADD CONSTRAINT payments_checkout_amount_positive CHECK (order_id IS NULL OR amount > 0) NOT VALID;

-- Down Migration
ALTER TABLE payments DROP CONSTRAINT payments_checkout_amount_positive;
DROP INDEX payments_unreconciled_idx;
ALTER TABLE payments DROP COLUMN answered_at;
ALTER TABLE payments DROP COLUMN reconciled;
DELETE FROM payments WHERE status = 'VOIDED';
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('AUTHORIZED', 'DECLINED'));

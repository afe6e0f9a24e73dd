-- Up Migration
CREATE TABLE payments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NULL for the seeded history; one payment per order for checkouts (idempotency).
  order_id uuid UNIQUE,
  customer_id text NOT NULL,
  amount numeric(12, 2) NOT NULL CHECK (amount >= 0),
  currency char(3) NOT NULL DEFAULT 'EUR',
  status text NOT NULL CHECK (status IN ('AUTHORIZED', 'DECLINED')),
  decline_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Deliberately no index on (customer_id, created_at): that is the missing-index pathology.

-- Down Migration
DROP TABLE payments;

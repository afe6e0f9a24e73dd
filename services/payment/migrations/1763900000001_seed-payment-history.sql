-- Up Migration
-- 1,000,000 historic payments over 10,000 customers and the last 90 days, generated in SQL.
-- Every 97th customer also has a burst of 200 payments in the last 30 days, which the fraud check flags.
INSERT INTO payments (customer_id, amount, status, created_at)
SELECT
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  round((5 + random() * 295)::numeric, 2),
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - random() * interval '90 days'
FROM generate_series(1, 1000000) AS g;

INSERT INTO payments (customer_id, amount, status, created_at)
SELECT
  'cust-' || lpad(c::text, 5, '0'),
  round((50 + random() * 450)::numeric, 2),
  'AUTHORIZED',
  now() - random() * interval '30 days'
FROM generate_series(97, 10000, 97) AS c, generate_series(1, 200) AS burst;

ANALYZE payments;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL;

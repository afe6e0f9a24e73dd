-- Up Migration
-- A year of archived payments (older than the fraud check's 30 days, so no verdict changes): 1,000,000
-- more rows that a sequential scan must read, which is what the missing index costs in production.
INSERT INTO payments (customer_id, amount, status, created_at)
SELECT
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  round((5 + random() * 295)::numeric, 2),
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - interval '90 days' - random() * interval '365 days'
FROM generate_series(1, 1000000) AS g;

ANALYZE payments;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL AND created_at < now() - interval '90 days';

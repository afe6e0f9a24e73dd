-- Up Migration
-- A year of archived payments (older than the fraud check's 30 days, so no verdict changes): 1,000,000
-- more rows that a sequential scan must read, which is what the missing index costs in production.
-- Loaded without payments' primary key and order_id's unique index (1763900000006 builds both once, by
-- sorting, after every seed): inserting each row into both indexes was most of the seed's cost. Ids in
-- insertion order (UUIDv7-like: the transaction's time in ms, version 7, this file's tag, a counter), so
-- that sort finds them presorted; checkouts' payments keep the random default.
INSERT INTO payments (id, customer_id, amount, status, created_at)
SELECT
  (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7003' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  round((5 + random() * 295)::numeric, 2),
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - interval '90 days' - random() * interval '365 days'
FROM generate_series(1, 1000000) AS g;

ANALYZE payments;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL AND created_at < now() - interval '90 days';

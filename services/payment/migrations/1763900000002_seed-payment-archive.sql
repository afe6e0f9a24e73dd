-- Up Migration
-- A year of archived payments (older than the fraud check's 30 days, so no verdict changes): 1,000,000
-- more rows that a sequential scan must read, which is what the missing index costs in production.
-- Loaded without payments' primary key and order_id's unique index (1763900000006 builds both once, by
-- sorting, after every seed): inserting each row into both indexes was most of the seed's cost. Ids in
-- insertion order (UUIDv7-like: the transaction's time in ms, version 7, this file's tag, a counter), so
-- that sort finds them presorted; checkouts' payments keep the random default. The id's prefix is worked
-- out once per statement, and the amount from an integer number of cents (a float's conversion to numeric
-- cost more than the rest of the row). No ANALYZE: the migrate step's VACUUM ANALYZE follows the seeds.
INSERT INTO payments (id, customer_id, amount, status, created_at)
SELECT
  (seed.id_prefix || lpad(to_hex(g), 15, '0'))::uuid,
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  (500 + (random() * 29500)::int) * 0.01,
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - interval '90 days' - random() * interval '365 days'
FROM (SELECT lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7003' || '8' AS id_prefix) AS seed,
  generate_series(1, 1000000) AS g;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL AND created_at < now() - interval '90 days';

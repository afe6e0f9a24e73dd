-- Up Migration
-- 1,000,000 historic payments over 10,000 customers and the last 90 days, generated in SQL.
-- Every 97th customer also has a burst of 200 payments in the last 30 days, which the fraud check flags.
-- Loaded without payments' primary key and order_id's unique index (1763900000006 builds both once, by
-- sorting, after every seed): inserting each row into both indexes was most of the seed's cost. Ids in
-- insertion order (UUIDv7-like: the transaction's time in ms, version 7, this file's tag, a counter), so
-- that sort finds them presorted; checkouts' payments keep the random default. The id's prefix is worked
-- out once per statement, and the amount from an integer number of cents (a float's conversion to numeric
-- cost more than the rest of the row). No ANALYZE: the migrate step's VACUUM ANALYZE follows the seeds.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_pkey, DROP CONSTRAINT IF EXISTS payments_order_id_key;

INSERT INTO payments (id, customer_id, amount, status, created_at)
SELECT
  (seed.id_prefix || lpad(to_hex(g), 15, '0'))::uuid,
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  (500 + (random() * 29500)::int) * 0.01,
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - random() * interval '90 days'
FROM (SELECT lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7001' || '8' AS id_prefix) AS seed,
  generate_series(1, 1000000) AS g;

INSERT INTO payments (id, customer_id, amount, status, created_at)
SELECT
  (seed.id_prefix || lpad(to_hex(c * 1000 + burst), 15, '0'))::uuid,
  'cust-' || lpad(c::text, 5, '0'),
  (5000 + (random() * 45000)::int) * 0.01,
  'AUTHORIZED',
  now() - random() * interval '30 days'
FROM (SELECT lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7002' || '8' AS id_prefix) AS seed,
  generate_series(97, 10000, 97) AS c, generate_series(1, 200) AS burst;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL;

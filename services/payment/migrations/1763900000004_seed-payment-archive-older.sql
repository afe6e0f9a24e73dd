-- Up Migration
-- The archive's second and third years: 2,000,000 more payments older than the fraud check's 30 days (no
-- verdict changes). With the pathology on, the fraud check's sequential scan reads them too: 4,000,000
-- rows in all, so that the index's fix pays off at least fivefold on the lab's 2-core machine (the
-- missing-index row of docs/hunt-the-bottleneck.md).
-- History is reconciled: since 1763900000003 a new row defaults to unreconciled, which the recovery sweeper
-- would take for a checkout's unanswered authorisation and void (the first version of this file left that
-- out; 1763900000005 repairs databases it seeded).
-- Loaded without payments' primary key and order_id's unique index (1763900000006 builds both once, by
-- sorting, after every seed): inserting each row into both indexes was most of the seed's cost. Ids in
-- insertion order (UUIDv7-like: the transaction's time in ms, version 7, this file's tag, a counter), so
-- that sort finds them presorted; checkouts' payments keep the random default.
INSERT INTO payments (id, customer_id, amount, status, created_at, reconciled)
SELECT
  (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7004' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
  'cust-' || lpad((1 + (g::bigint * 7919) % 10000)::text, 5, '0'),
  round((5 + random() * 295)::numeric, 2),
  CASE WHEN random() < 0.03 THEN 'DECLINED' ELSE 'AUTHORIZED' END,
  now() - interval '455 days' - random() * interval '730 days',
  true
FROM generate_series(1, 2000000) AS g;

ANALYZE payments;

-- Down Migration
DELETE FROM payments WHERE order_id IS NULL AND created_at < now() - interval '455 days';

-- Up Migration
INSERT INTO carriers (code, name, weight, capacity) VALUES
  ('parcelo', 'Parcelo Economy', 70, 50000000),
  ('swiftship', 'SwiftShip Express', 20, 50000000),
  ('postino', 'Postino Standard', 10, 50000000);

-- 200,000 historic shipments over the last 30 days, split by carrier weight. Their ids and order ids in
-- insertion order (UUIDv7-like, as payment's seeds: the transaction's time, version 7, a tag, a counter),
-- so each lands at the right edge of its unique index rather than on a random page of it.
INSERT INTO shipments (id, order_id, carrier_id, tracking_number, price, created_at)
SELECT (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7011' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
       (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7012' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
       CASE WHEN r < 0.7 THEN 1 WHEN r < 0.9 THEN 2 ELSE 3 END,
       'TC' || lpad(g::text, 10, '0'),
       round((3 + random() * 12)::numeric, 2),
       now() - random() * interval '30 days'
FROM (SELECT g, random() AS r FROM generate_series(1, 200000) AS g) AS seed;

UPDATE carriers c SET reserved = s.n FROM (SELECT carrier_id, count(*) AS n FROM shipments GROUP BY carrier_id) s WHERE s.carrier_id = c.id;
ANALYZE carriers;
ANALYZE shipments;

-- Down Migration
DELETE FROM shipments;
DELETE FROM carriers;

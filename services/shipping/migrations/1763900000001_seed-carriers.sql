-- Up Migration
INSERT INTO carriers (code, name, weight, capacity) VALUES
  ('parcelo', 'Parcelo Economy', 70, 50000000),
  ('swiftship', 'SwiftShip Express', 20, 50000000),
  ('postino', 'Postino Standard', 10, 50000000);

-- 200,000 historic shipments over the last 30 days, split by carrier weight. Loaded without shipments'
-- keys, index and foreign key, which are built (and the foreign key checked, in one join) after the load:
-- row by row, the foreign key's check per row and the two random-UUID unique indexes were most of the
-- seed's cost. Ids and order ids in insertion order (UUIDv7-like, as payment's seeds: the transaction's
-- time, version 7, a tag, a counter), so the index builds' sorts find them presorted.
ALTER TABLE shipments
  DROP CONSTRAINT shipments_carrier_id_fkey,
  DROP CONSTRAINT shipments_order_id_key,
  DROP CONSTRAINT shipments_pkey;
DROP INDEX shipments_carrier_idx;

INSERT INTO shipments (id, order_id, carrier_id, tracking_number, price, created_at)
SELECT (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7011' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
       (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7012' || '8' || lpad(to_hex(g), 15, '0'))::uuid,
       CASE WHEN r < 0.7 THEN 1 WHEN r < 0.9 THEN 2 ELSE 3 END,
       'TC' || lpad(g::text, 10, '0'),
       round((3 + random() * 12)::numeric, 2),
       now() - random() * interval '30 days'
FROM (SELECT g, random() AS r FROM generate_series(1, 200000) AS g) AS seed;

ALTER TABLE shipments
  ADD CONSTRAINT shipments_pkey PRIMARY KEY (id),
  ADD CONSTRAINT shipments_order_id_key UNIQUE (order_id),
  ADD CONSTRAINT shipments_carrier_id_fkey FOREIGN KEY (carrier_id) REFERENCES carriers (id);
CREATE INDEX shipments_carrier_idx ON shipments (carrier_id);

UPDATE carriers c SET reserved = s.n FROM (SELECT carrier_id, count(*) AS n FROM shipments GROUP BY carrier_id) s WHERE s.carrier_id = c.id;
ANALYZE carriers;
ANALYZE shipments;

-- Down Migration
DELETE FROM shipments;
DELETE FROM carriers;

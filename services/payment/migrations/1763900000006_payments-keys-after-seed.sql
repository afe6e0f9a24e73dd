-- Up Migration
-- The seeds (1763900000001, 2 and 4) load payments without its primary key and order_id's unique index,
-- then this builds both, once, over the 4,000,000 rows: a sort instead of 4,000,000 insertions into each
-- index. A database seeded before the seeds dropped them still has both: nothing to do then.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'payments'::regclass AND conname = 'payments_pkey') THEN
    ALTER TABLE payments ADD CONSTRAINT payments_pkey PRIMARY KEY (id);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'payments'::regclass AND conname = 'payments_order_id_key') THEN
    ALTER TABLE payments ADD CONSTRAINT payments_order_id_key UNIQUE (order_id);
  END IF;
END
$$;
-- No ANALYZE: the migrate step (and MIGRATE_AT_START) runs VACUUM ANALYZE once every migration is applied.

-- Down Migration
-- Nothing to undo: the table keeps its keys.

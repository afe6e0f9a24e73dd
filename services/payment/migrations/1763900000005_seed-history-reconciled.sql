-- Up Migration
-- The seeded history (order_id NULL: no checkout made it) is reconciled. 1763900000004 first seeded its
-- 2,000,000 rows with the column's default, unreconciled, and the order service's recovery sweeper then
-- voided them, 200 every 5 seconds. This marks what is left reconciled (through the partial index of
-- unreconciled authorisations: quick) and gives the voided history back its status. A checkout's payment
-- always has its order_id, so no real authorisation is touched.
-- One statement, so one sequential scan of the 4,000,000 rows (on a fresh database it changes none).
UPDATE payments
   SET reconciled = true,
       status = CASE WHEN status = 'VOIDED' THEN 'AUTHORIZED' ELSE status END
 WHERE order_id IS NULL AND (NOT reconciled OR status = 'VOIDED');

-- Down Migration
-- Nothing to undo: the history is as the seed meant it.

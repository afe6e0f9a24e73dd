-- Up Migration
-- State that belongs to the service, not to one process: its scenario switches and the hunt exercise's
-- mode, shared by every replica through LISTEN/NOTIFY (shared/postgres/src/shared-state.ts).
CREATE TABLE IF NOT EXISTS service_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE service_state;

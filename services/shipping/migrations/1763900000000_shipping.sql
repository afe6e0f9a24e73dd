-- Up Migration
CREATE TABLE carriers (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  -- Share of shipments this carrier gets (the cheapest carrier takes most: a hot row).
  weight integer NOT NULL CHECK (weight > 0),
  capacity integer NOT NULL CHECK (capacity >= 0),
  reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= capacity)
);

CREATE TABLE shipments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id uuid NOT NULL UNIQUE,
  carrier_id integer NOT NULL REFERENCES carriers (id),
  tracking_number text NOT NULL,
  price numeric(8, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_carrier_idx ON shipments (carrier_id);


-- Down Migration
DROP TABLE shipments;
DROP TABLE carriers;

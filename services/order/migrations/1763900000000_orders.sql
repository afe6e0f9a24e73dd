-- Up Migration
CREATE TABLE customers (
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price numeric(10, 2) NOT NULL CHECK (price > 0)
);

CREATE TABLE stock (
  product_id integer PRIMARY KEY REFERENCES products (id),
  quantity integer NOT NULL CHECK (quantity >= 0)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'PAYMENT_FAILED', 'SHIPPED')),
  total numeric(12, 2) NOT NULL,
  currency char(3) NOT NULL DEFAULT 'EUR',
  payment_id uuid,
  payment_status text,
  decline_reason text,
  shipment_id uuid,
  carrier text,
  tracking_number text,
  trace_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz,
  shipped_at timestamptz
);
CREATE INDEX orders_pending_idx ON orders (created_at) WHERE status = 'PENDING';

CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id),
  line smallint NOT NULL,
  product_id integer NOT NULL REFERENCES products (id),
  sku text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, line)
);

-- One row per Idempotency-Key: the request's hash, the order it created, and the answer once known.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  request_hash text NOT NULL,
  order_id uuid,
  response_status smallint,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);


-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE stock;
DROP TABLE products;
DROP TABLE customers;

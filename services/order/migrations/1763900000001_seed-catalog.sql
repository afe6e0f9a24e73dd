-- Up Migration
-- 10,000 customers and 2,000 products with plenty of stock, generated in SQL.
INSERT INTO customers (id, name, email)
SELECT 'cust-' || lpad(c::text, 5, '0'),
       (ARRAY['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Radia', 'Edsger', 'Frances'])[1 + c % 10]
         || ' ' || (ARRAY['Lovelace', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Dijkstra', 'Allen'])[1 + (c / 10) % 10],
       'customer' || c || '@example.com'
FROM generate_series(1, 10000) AS c;

INSERT INTO products (sku, name, price)
SELECT 'SKU-' || lpad(p::text, 5, '0'),
       (ARRAY['Mug', 'T-shirt', 'Notebook', 'Sticker pack', 'Hoodie', 'Cap', 'Water bottle', 'Tote bag'])[1 + p % 8] || ' #' || p,
       round((2 + random() * 98)::numeric, 2)
FROM generate_series(1, 2000) AS p;

INSERT INTO stock (product_id, quantity)
SELECT id, 500000 + (random() * 500000)::int FROM products;

ANALYZE customers;
ANALYZE products;
ANALYZE stock;

-- Down Migration
DELETE FROM stock;
DELETE FROM products;
DELETE FROM customers;

-- Inventory on SQLite: SKUs by GLOB, composite keys, min/max levels, arithmetic limits, a
-- STRICT table, and a CHECK beyond the generators (a two-column sum) filtered by the engine.
CREATE TABLE suppliers (
  supplier_id INTEGER PRIMARY KEY,
  company_name TEXT NOT NULL,
  contact_email TEXT CHECK (contact_email LIKE '%_@_%'),
  country TEXT NOT NULL CHECK (length(country) = 2)
) STRICT;
CREATE TABLE warehouses (
  warehouse_id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE CHECK (code GLOB 'W[0-9][0-9][0-9]'),
  city TEXT NOT NULL,
  capacity INTEGER NOT NULL CHECK (capacity > 0)
);
CREATE TABLE products (
  product_id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE CHECK (sku GLOB 'SKU-[0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]*'),
  name TEXT NOT NULL,
  supplier_id INTEGER NOT NULL REFERENCES suppliers(supplier_id),
  unit_cost NUMERIC(10,2) NOT NULL CHECK (unit_cost > 0),
  list_price NUMERIC(10,2) NOT NULL,
  thumbnail BLOB,
  CHECK (list_price >= unit_cost)
);
CREATE TABLE stock (
  warehouse_id INTEGER NOT NULL REFERENCES warehouses(warehouse_id),
  product_id INTEGER NOT NULL REFERENCES products(product_id),
  on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
  reserved INTEGER NOT NULL CHECK (reserved >= 0),
  reorder_level INTEGER NOT NULL CHECK (reorder_level >= 0),
  max_level INTEGER NOT NULL CHECK (max_level <= 10000),
  PRIMARY KEY (warehouse_id, product_id),
  CHECK (reorder_level < max_level),
  CHECK (reserved - on_hand <= 100)
);
CREATE TABLE purchase_orders (
  po_id INTEGER PRIMARY KEY,
  supplier_id INTEGER NOT NULL REFERENCES suppliers(supplier_id),
  warehouse_id INTEGER NOT NULL REFERENCES warehouses(warehouse_id),
  ordered_at TIMESTAMP NOT NULL,
  expected_at TIMESTAMP NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'sent', 'received', 'cancelled')),
  CHECK (expected_at > ordered_at)
);
CREATE TABLE purchase_order_lines (
  po_id INTEGER NOT NULL REFERENCES purchase_orders(po_id),
  line_no INTEGER NOT NULL CHECK (line_no BETWEEN 1 AND 500),
  product_id INTEGER NOT NULL REFERENCES products(product_id),
  qty INTEGER NOT NULL CHECK (qty > 0 AND qty * 4 <= 4000),
  PRIMARY KEY (po_id, line_no)
);

-- Inventory (suppliers, warehouses, products, stock, purchase orders): domains over uuid,
-- text[] and numeric, numrange price bands, macaddr8 scanners, a CHECK beyond the generators
-- (array_length) left to the engine to filter, and min/max comparisons.
CREATE DOMAIN sku_code AS varchar(16) CHECK (VALUE ~ '^SKU-[0-9A-Z]{6,10}$');
CREATE DOMAIN tag_list AS text[];
CREATE DOMAIN quantity AS integer CHECK (VALUE >= 0);
CREATE DOMAIN public_key AS uuid NOT NULL;
CREATE TABLE suppliers (
  supplier_id serial PRIMARY KEY,
  public_id public_key UNIQUE,
  company_name varchar(80) NOT NULL,
  contact_email varchar(120) CHECK (contact_email ~* '^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$'),
  country char(2) NOT NULL,
  metadata jsonb
);
CREATE TABLE warehouses (
  warehouse_id smallserial PRIMARY KEY,
  code char(4) NOT NULL UNIQUE CHECK (code ~ '^W[0-9]{3}$'),
  city varchar(60) NOT NULL,
  scanner macaddr8,
  capacity quantity NOT NULL
);
CREATE TABLE products (
  product_id serial PRIMARY KEY,
  sku sku_code NOT NULL UNIQUE,
  name varchar(120) NOT NULL,
  supplier_id int NOT NULL REFERENCES suppliers(supplier_id),
  tags tag_list CHECK (array_length(tags, 1) <= 5),
  price_band numrange,
  unit_cost numeric(10,2) NOT NULL CHECK (unit_cost > 0),
  list_price numeric(10,2) NOT NULL,
  weight_kg real CHECK (weight_kg > 0),
  CHECK (list_price >= unit_cost)
);
CREATE TABLE stock (
  warehouse_id smallint NOT NULL REFERENCES warehouses(warehouse_id),
  product_id int NOT NULL REFERENCES products(product_id),
  on_hand quantity NOT NULL,
  reorder_level quantity NOT NULL,
  max_level integer NOT NULL CHECK (max_level <= 10000),
  bin_location varchar(8) CHECK (bin_location SIMILAR TO '[A-Z][0-9]{2}-[0-9]{2}'),
  PRIMARY KEY (warehouse_id, product_id),
  CHECK (reorder_level < max_level)
);
CREATE TABLE purchase_orders (
  po_id bigserial PRIMARY KEY,
  supplier_id int NOT NULL REFERENCES suppliers(supplier_id),
  warehouse_id smallint NOT NULL REFERENCES warehouses(warehouse_id),
  ordered_at timestamptz NOT NULL,
  expected_at timestamptz NOT NULL,
  received_at timestamptz,
  status varchar(12) NOT NULL CHECK (status IN ('open', 'sent', 'received', 'cancelled')),
  CHECK (expected_at > ordered_at),
  CHECK (received_at IS NULL OR received_at >= ordered_at)
);
CREATE TABLE purchase_order_lines (
  po_id bigint NOT NULL REFERENCES purchase_orders(po_id),
  line_no smallint NOT NULL CHECK (line_no BETWEEN 1 AND 500),
  product_id int NOT NULL REFERENCES products(product_id),
  qty quantity NOT NULL CHECK (qty * 4 <= 4000),
  unit_cost numeric(10,2) NOT NULL CHECK (unit_cost > 0),
  PRIMARY KEY (po_id, line_no)
);

-- Inventory on MariaDB: YEAR models, BIT(8) flags, JSON specs, TINYINT(1) booleans,
-- composite keys, min/max and arithmetic CHECKs.
CREATE TABLE suppliers (
  supplier_id INT AUTO_INCREMENT PRIMARY KEY,
  company_name VARCHAR(80) NOT NULL,
  contact_email VARCHAR(120) CHECK (contact_email LIKE '%_@_%'),
  country CHAR(2) NOT NULL,
  preferred TINYINT(1) NOT NULL
);
CREATE TABLE warehouses (
  warehouse_id SMALLINT AUTO_INCREMENT PRIMARY KEY,
  code CHAR(4) NOT NULL UNIQUE CHECK (code REGEXP '^W[0-9]{3}$'),
  city VARCHAR(60) NOT NULL,
  capacity INT NOT NULL CHECK (capacity > 0)
);
CREATE TABLE products (
  product_id INT AUTO_INCREMENT PRIMARY KEY,
  sku VARCHAR(16) NOT NULL UNIQUE CHECK (sku REGEXP '^SKU-[0-9A-Z]{6,10}$'),
  name VARCHAR(120) NOT NULL,
  supplier_id INT NOT NULL,
  model_year YEAR,
  flags BIT(8) NOT NULL,
  specs JSON,
  unit_cost DECIMAL(10,2) NOT NULL CHECK (unit_cost > 0),
  list_price DECIMAL(10,2) NOT NULL,
  CHECK (list_price >= unit_cost),
  FOREIGN KEY (supplier_id) REFERENCES suppliers(supplier_id)
);
CREATE TABLE stock (
  warehouse_id SMALLINT NOT NULL,
  product_id INT NOT NULL,
  on_hand INT NOT NULL CHECK (on_hand >= 0),
  reorder_level INT NOT NULL CHECK (reorder_level >= 0),
  max_level INT NOT NULL CHECK (max_level <= 10000),
  PRIMARY KEY (warehouse_id, product_id),
  CHECK (reorder_level < max_level),
  FOREIGN KEY (warehouse_id) REFERENCES warehouses(warehouse_id),
  FOREIGN KEY (product_id) REFERENCES products(product_id)
);
CREATE TABLE purchase_orders (
  po_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  supplier_id INT NOT NULL,
  warehouse_id SMALLINT NOT NULL,
  ordered_at DATETIME NOT NULL,
  expected_at DATETIME NOT NULL,
  status ENUM('open', 'sent', 'received', 'cancelled') NOT NULL,
  CHECK (expected_at > ordered_at),
  FOREIGN KEY (supplier_id) REFERENCES suppliers(supplier_id),
  FOREIGN KEY (warehouse_id) REFERENCES warehouses(warehouse_id)
);
CREATE TABLE purchase_order_lines (
  po_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL CHECK (line_no BETWEEN 1 AND 500),
  product_id INT NOT NULL,
  qty INT NOT NULL CHECK (qty > 0 AND qty * 4 <= 4000),
  PRIMARY KEY (po_id, line_no),
  FOREIGN KEY (po_id) REFERENCES purchase_orders(po_id),
  FOREIGN KEY (product_id) REFERENCES products(product_id)
);

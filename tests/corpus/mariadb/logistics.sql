-- Logistics on MariaDB: a depot's head driver works at that depot (a NOT NULL FK cycle),
-- BIT capabilities, JSON metadata, tracking codes by REGEXP, delivered after picked up.
CREATE TABLE depots (
  depot_id INT PRIMARY KEY,
  code CHAR(5) NOT NULL UNIQUE CHECK (code REGEXP '^D[0-9]{4}$'),
  city VARCHAR(60) NOT NULL,
  head_driver_id INT NOT NULL
);
CREATE TABLE drivers (
  driver_id INT PRIMARY KEY,
  depot_id INT NOT NULL,
  full_name VARCHAR(100) NOT NULL,
  license_class ENUM('B', 'C', 'CE', 'D') NOT NULL,
  phone VARCHAR(24) NOT NULL,
  FOREIGN KEY (depot_id) REFERENCES depots(depot_id)
);
ALTER TABLE depots ADD FOREIGN KEY (head_driver_id) REFERENCES drivers(driver_id);
CREATE TABLE vehicles (
  vehicle_id CHAR(36) PRIMARY KEY,
  plate VARCHAR(10) NOT NULL UNIQUE CHECK (plate REGEXP '^[A-Z]{2}-[0-9]{3,4}-[A-Z]{1,2}$'),
  depot_id INT NOT NULL,
  capabilities BIT(6) NOT NULL,
  max_load_kg INT NOT NULL CHECK (max_load_kg BETWEEN 500 AND 40000),
  metadata JSON,
  FOREIGN KEY (depot_id) REFERENCES depots(depot_id)
);
CREATE TABLE shipments (
  shipment_id BIGINT PRIMARY KEY,
  tracking_code VARCHAR(14) NOT NULL UNIQUE CHECK (tracking_code REGEXP '^1Z[0-9A-Z]{12}$'),
  vehicle_id CHAR(36),
  origin_depot INT NOT NULL,
  destination_depot INT NOT NULL,
  weight_kg DECIMAL(8,2) NOT NULL CHECK (weight_kg > 0),
  picked_up_at DATETIME NOT NULL,
  delivered_at DATETIME,
  CHECK (delivered_at > picked_up_at),
  FOREIGN KEY (vehicle_id) REFERENCES vehicles(vehicle_id),
  FOREIGN KEY (origin_depot) REFERENCES depots(depot_id),
  FOREIGN KEY (destination_depot) REFERENCES depots(depot_id)
);
CREATE TABLE tracking_events (
  event_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  shipment_id BIGINT NOT NULL,
  event_type VARCHAR(16) NOT NULL CHECK (event_type IN ('scanned', 'loaded', 'in_transit', 'delivered', 'exception')),
  occurred_at DATETIME NOT NULL,
  location JSON,
  FOREIGN KEY (shipment_id) REFERENCES shipments(shipment_id)
);

-- Logistics (depots, vehicles, drivers, shipments, tracking events): uuid keys, cidr depot
-- networks, a NOT NULL FK cycle (a depot's head driver works at the depot), tstzrange windows,
-- bit(n) vehicle capabilities, jsonb metadata, and start/end comparisons.
CREATE TABLE depots (
  depot_id int PRIMARY KEY,
  code char(5) NOT NULL UNIQUE CHECK (code ~ '^D[0-9]{4}$'),
  city varchar(60) NOT NULL,
  network cidr,
  head_driver_id int NOT NULL
);
CREATE TABLE drivers (
  driver_id int PRIMARY KEY,
  depot_id int NOT NULL REFERENCES depots(depot_id),
  full_name varchar(100) NOT NULL,
  license_class char(2) NOT NULL CHECK (license_class IN ('B', 'C', 'CE', 'D')),
  phone varchar(24) NOT NULL
);
ALTER TABLE depots ADD FOREIGN KEY (head_driver_id) REFERENCES drivers(driver_id);
CREATE TABLE vehicles (
  vehicle_id uuid PRIMARY KEY,
  plate varchar(10) NOT NULL UNIQUE CHECK (plate ~ '^[A-Z]{2}-[0-9]{3,4}-[A-Z]{1,2}$'),
  depot_id int NOT NULL REFERENCES depots(depot_id),
  capabilities bit(6) NOT NULL,
  max_load_kg int NOT NULL CHECK (max_load_kg BETWEEN 500 AND 40000),
  metadata jsonb
);
CREATE TABLE shipments (
  shipment_id bigint PRIMARY KEY,
  tracking_code varchar(14) NOT NULL UNIQUE CHECK (tracking_code ~ '^1Z[0-9A-Z]{12}$'),
  vehicle_id uuid REFERENCES vehicles(vehicle_id),
  origin_depot int NOT NULL REFERENCES depots(depot_id),
  destination_depot int NOT NULL REFERENCES depots(depot_id),
  weight_kg numeric(8,2) NOT NULL CHECK (weight_kg > 0),
  delivery_window tstzrange,
  picked_up_at timestamptz NOT NULL,
  delivered_at timestamptz,
  scan_times timestamptz[],
  related_shipments uuid[],
  CHECK (delivered_at > picked_up_at)
);
CREATE TABLE tracking_events (
  event_id bigserial PRIMARY KEY,
  shipment_id bigint NOT NULL REFERENCES shipments(shipment_id),
  event_type varchar(16) NOT NULL CHECK (event_type IN ('scanned', 'loaded', 'in_transit', 'delivered', 'exception')),
  occurred_at timestamptz NOT NULL,
  location jsonb,
  note text
);

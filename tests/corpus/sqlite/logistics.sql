-- Logistics on SQLite: the NOT NULL FK cycle depots <-> drivers declared in place, GLOB
-- tracking codes, delivered after picked up, json_valid locations.
CREATE TABLE depots (
  depot_id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE CHECK (code GLOB 'D[0-9][0-9][0-9][0-9]'),
  city TEXT NOT NULL,
  head_driver_id INTEGER NOT NULL REFERENCES drivers(driver_id)
);
CREATE TABLE drivers (
  driver_id INTEGER PRIMARY KEY,
  depot_id INTEGER NOT NULL REFERENCES depots(depot_id),
  full_name TEXT NOT NULL,
  license_class TEXT NOT NULL CHECK (license_class IN ('B', 'C', 'CE', 'D')),
  phone TEXT NOT NULL
);
CREATE TABLE vehicles (
  vehicle_id TEXT PRIMARY KEY CHECK (length(vehicle_id) = 12),
  depot_id INTEGER NOT NULL REFERENCES depots(depot_id),
  max_load_kg INTEGER NOT NULL CHECK (max_load_kg BETWEEN 500 AND 40000)
);
CREATE TABLE shipments (
  shipment_id INTEGER PRIMARY KEY,
  tracking_code TEXT NOT NULL UNIQUE CHECK (tracking_code GLOB '1Z[0-9A-Z]*' AND length(tracking_code) = 14),
  vehicle_id TEXT REFERENCES vehicles(vehicle_id),
  origin_depot INTEGER NOT NULL REFERENCES depots(depot_id),
  destination_depot INTEGER NOT NULL REFERENCES depots(depot_id),
  weight_kg NUMERIC(8,2) NOT NULL CHECK (weight_kg > 0),
  picked_up_at TIMESTAMP NOT NULL,
  delivered_at TIMESTAMP,
  CHECK (delivered_at > picked_up_at)
);
CREATE TABLE tracking_events (
  event_id INTEGER PRIMARY KEY,
  shipment_id INTEGER NOT NULL REFERENCES shipments(shipment_id),
  event_type TEXT NOT NULL CHECK (event_type IN ('scanned', 'loaded', 'in_transit', 'delivered', 'exception')),
  occurred_at TIMESTAMP NOT NULL,
  location TEXT CHECK (json_valid(location))
);

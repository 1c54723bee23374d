-- The film-rental sample's shape on SQLite, with its cycle of NOT NULL foreign keys
-- (store.manager_staff_id -> staff, staff.store_id -> store) declared in place.
CREATE TABLE address (
  address_id INTEGER PRIMARY KEY,
  address VARCHAR(50) NOT NULL,
  district VARCHAR(20) NOT NULL,
  postal_code VARCHAR(10) CHECK (postal_code GLOB '[0-9][0-9][0-9][0-9][0-9]'),
  phone VARCHAR(20) NOT NULL
);
CREATE TABLE store (
  store_id INTEGER PRIMARY KEY,
  manager_staff_id INTEGER NOT NULL UNIQUE REFERENCES staff(staff_id),
  address_id INTEGER NOT NULL REFERENCES address(address_id)
);
CREATE TABLE staff (
  staff_id INTEGER PRIMARY KEY,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id INTEGER NOT NULL REFERENCES address(address_id),
  picture BLOB,
  email VARCHAR(50),
  store_id INTEGER NOT NULL REFERENCES store(store_id),
  active BOOLEAN NOT NULL DEFAULT 1,
  username VARCHAR(16) NOT NULL CHECK (length(username) >= 3)
);
CREATE TABLE film (
  film_id INTEGER PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  release_year INTEGER CHECK (release_year BETWEEN 1901 AND 2155),
  rental_duration SMALLINT NOT NULL DEFAULT 3 CHECK (rental_duration BETWEEN 1 AND 14),
  rental_rate DECIMAL(4,2) NOT NULL,
  length SMALLINT CHECK (length > 0),
  replacement_cost DECIMAL(5,2) NOT NULL,
  rating VARCHAR(10) DEFAULT 'G' CHECK (rating IN ('G','PG','PG-13','R','NC-17')),
  CHECK (replacement_cost > rental_rate)
);
CREATE TABLE inventory (
  inventory_id INTEGER PRIMARY KEY,
  film_id INTEGER NOT NULL REFERENCES film(film_id),
  store_id INTEGER NOT NULL REFERENCES store(store_id)
);
CREATE TABLE customer (
  customer_id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES store(store_id),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50) CHECK (email IS NULL OR email LIKE '%@%'),
  address_id INTEGER NOT NULL REFERENCES address(address_id),
  active BOOLEAN NOT NULL,
  create_date TIMESTAMP NOT NULL
);
CREATE TABLE rental (
  rental_id INTEGER PRIMARY KEY,
  rental_date TIMESTAMP NOT NULL,
  inventory_id INTEGER NOT NULL REFERENCES inventory(inventory_id),
  customer_id INTEGER NOT NULL REFERENCES customer(customer_id),
  return_date TIMESTAMP,
  staff_id INTEGER NOT NULL REFERENCES staff(staff_id),
  CHECK (return_date > rental_date)
);

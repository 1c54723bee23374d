-- Hotel booking on SQLite: JSON documents checked by json_valid, min/max guests, check-out
-- after check-in, a discount below the price, GLOB room numbers.
CREATE TABLE hotels (
  hotel_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT NOT NULL CHECK (json_valid(address)),
  settings TEXT CHECK (json_valid(settings)),
  stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5)
);
CREATE TABLE rooms (
  room_id INTEGER PRIMARY KEY,
  hotel_id INTEGER NOT NULL REFERENCES hotels(hotel_id),
  room_number TEXT NOT NULL CHECK (room_number GLOB '[0-9][0-9][0-9]*'),
  min_guests INTEGER NOT NULL CHECK (min_guests >= 1),
  max_guests INTEGER NOT NULL CHECK (max_guests <= 8),
  photo BLOB,
  CHECK (min_guests <= max_guests),
  UNIQUE (hotel_id, room_number)
);
CREATE TABLE guests (
  guest_id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL,
  email TEXT UNIQUE,
  phone TEXT,
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE TABLE bookings (
  booking_id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(room_id),
  guest_id INTEGER NOT NULL REFERENCES guests(guest_id),
  check_in DATE NOT NULL,
  check_out DATE NOT NULL,
  price NUMERIC(10,2) NOT NULL CHECK (price > 0),
  discount NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed')),
  CHECK (check_out > check_in),
  CHECK (discount < price)
);
CREATE TABLE payments (
  payment_id INTEGER PRIMARY KEY,
  booking_id INTEGER NOT NULL REFERENCES bookings(booking_id),
  amount NUMERIC(10,2) NOT NULL CHECK (amount > 0),
  method TEXT NOT NULL CHECK (method IN ('card', 'cash', 'transfer')),
  card_last4 TEXT CHECK (card_last4 GLOB '[0-9][0-9][0-9][0-9]'),
  paid_at TIMESTAMP NOT NULL,
  refunded_at TIMESTAMP,
  CHECK (refunded_at IS NULL OR refunded_at > paid_at)
);

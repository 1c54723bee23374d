-- Hotel booking (hotels, rooms, guests, bookings, payments): range types, multi-dimensional
-- arrays, jsonb documents by name, interval, money, and same-row comparisons.
CREATE TABLE hotels (
  hotel_id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  address jsonb NOT NULL,
  settings jsonb,
  stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  floor_plan int[][]
);
CREATE TABLE rooms (
  room_id serial PRIMARY KEY,
  hotel_id int NOT NULL REFERENCES hotels(hotel_id),
  room_number varchar(6) NOT NULL CHECK (room_number ~ '^[0-9]{1,3}[A-D]?$'),
  min_guests smallint NOT NULL CHECK (min_guests >= 1),
  max_guests smallint NOT NULL CHECK (max_guests <= 8),
  nightly_rate money NOT NULL,
  amenities varchar(30)[],
  CHECK (min_guests <= max_guests),
  UNIQUE (hotel_id, room_number)
);
CREATE TABLE guests (
  guest_id serial PRIMARY KEY,
  full_name varchar(100) NOT NULL,
  email varchar(120) UNIQUE,
  phone varchar(30),
  preferences jsonb,
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE TABLE bookings (
  booking_id bigserial PRIMARY KEY,
  room_id int NOT NULL REFERENCES rooms(room_id),
  guest_id int NOT NULL REFERENCES guests(guest_id),
  check_in date NOT NULL,
  check_out date NOT NULL,
  stay daterange,
  arrival_window tstzrange,
  guests_count int4range,
  price numeric(10,2) NOT NULL CHECK (price > 0),
  discount numeric(10,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  late_checkout interval,
  CHECK (check_out > check_in),
  CHECK (discount < price)
);
CREATE TABLE payments (
  payment_id bigserial PRIMARY KEY,
  booking_id bigint NOT NULL REFERENCES bookings(booking_id),
  amount numeric(10,2) NOT NULL CHECK (amount > 0),
  method varchar(10) NOT NULL CHECK (method IN ('card', 'cash', 'transfer')),
  card_last4 char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
  paid_at timestamptz NOT NULL,
  refunded_at timestamptz,
  CHECK (refunded_at IS NULL OR refunded_at > paid_at)
);

-- Hotel booking on MariaDB: JSON documents by column name, SET amenities, BIT flags,
-- min/max and check-in/check-out comparisons, a discount below the price.
CREATE TABLE hotels (
  hotel_id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  address JSON NOT NULL,
  settings JSON,
  stars TINYINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
  opened YEAR
);
CREATE TABLE rooms (
  room_id INT AUTO_INCREMENT PRIMARY KEY,
  hotel_id INT NOT NULL,
  room_number VARCHAR(6) NOT NULL CHECK (room_number RLIKE '^[0-9]{1,3}[A-D]?$'),
  min_guests TINYINT NOT NULL CHECK (min_guests >= 1),
  max_guests TINYINT NOT NULL CHECK (max_guests <= 8),
  amenities SET('wifi', 'tv', 'minibar', 'balcony', 'bathtub'),
  features BIT(6) NOT NULL,
  CHECK (min_guests <= max_guests),
  UNIQUE (hotel_id, room_number),
  FOREIGN KEY (hotel_id) REFERENCES hotels(hotel_id)
);
CREATE TABLE guests (
  guest_id INT AUTO_INCREMENT PRIMARY KEY,
  full_name VARCHAR(100) NOT NULL,
  email VARCHAR(120) UNIQUE,
  phone VARCHAR(30),
  preferences JSON,
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE TABLE bookings (
  booking_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  room_id INT NOT NULL,
  guest_id INT NOT NULL,
  check_in DATE NOT NULL,
  check_out DATE NOT NULL,
  price DECIMAL(10,2) NOT NULL CHECK (price > 0),
  discount DECIMAL(10,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  status ENUM('pending', 'confirmed', 'cancelled', 'completed') NOT NULL,
  CHECK (check_out > check_in),
  CHECK (discount < price),
  FOREIGN KEY (room_id) REFERENCES rooms(room_id),
  FOREIGN KEY (guest_id) REFERENCES guests(guest_id)
);
CREATE TABLE payments (
  payment_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  booking_id BIGINT NOT NULL,
  amount DECIMAL(10,2) NOT NULL CHECK (amount > 0),
  method VARCHAR(10) NOT NULL CHECK (method IN ('card', 'cash', 'transfer')),
  card_last4 CHAR(4) CHECK (card_last4 REGEXP '^[0-9]{4}$'),
  paid_at DATETIME NOT NULL,
  refunded_at DATETIME,
  CHECK (refunded_at IS NULL OR refunded_at > paid_at),
  FOREIGN KEY (booking_id) REFERENCES bookings(booking_id)
);

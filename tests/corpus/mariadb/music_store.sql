-- A music store (artists, albums, tracks, customers, invoices) with MariaDB's own types:
-- SET, YEAR, BIT(n), JSON, TINYINT(1) booleans, POINT, BLOB, and REGEXP / LIKE CHECKs.
CREATE TABLE artist (
  artist_id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(120) NOT NULL,
  genres SET('rock', 'jazz', 'pop', 'classical', 'hiphop', 'folk') NOT NULL,
  metadata JSON,
  verified TINYINT(1) NOT NULL DEFAULT 0
) ENGINE=InnoDB;
CREATE TABLE album (
  album_id INT AUTO_INCREMENT PRIMARY KEY,
  artist_id INT NOT NULL,
  title VARCHAR(160) NOT NULL,
  released YEAR,
  flags BIT(4) NOT NULL,
  cover BLOB,
  FOREIGN KEY (artist_id) REFERENCES artist(artist_id)
) ENGINE=InnoDB;
CREATE TABLE track (
  track_id INT AUTO_INCREMENT PRIMARY KEY,
  album_id INT NOT NULL,
  name VARCHAR(200) NOT NULL,
  isrc CHAR(12) UNIQUE CHECK (isrc REGEXP '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'),
  milliseconds INT NOT NULL CHECK (milliseconds BETWEEN 1000 AND 3600000),
  unit_price DECIMAL(4,2) NOT NULL CHECK (unit_price > 0 AND unit_price < 10),
  explicit BOOLEAN NOT NULL,
  FOREIGN KEY (album_id) REFERENCES album(album_id)
) ENGINE=InnoDB;
CREATE TABLE customer (
  customer_id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(120) NOT NULL UNIQUE CHECK (email LIKE '%_@_%._%'),
  first_name VARCHAR(40) NOT NULL,
  last_name VARCHAR(40) NOT NULL,
  country CHAR(2) NOT NULL CHECK (CHAR_LENGTH(country) = 2),
  settings JSON NOT NULL,
  location POINT,
  marketing_opt_in TINYINT(1) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE invoice (
  invoice_id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  invoice_date DATETIME NOT NULL,
  billing_address JSON,
  total DECIMAL(10,2) NOT NULL CHECK (total >= 0),
  FOREIGN KEY (customer_id) REFERENCES customer(customer_id)
) ENGINE=InnoDB;
CREATE TABLE invoice_line (
  invoice_line_id INT AUTO_INCREMENT PRIMARY KEY,
  invoice_id INT NOT NULL,
  track_id INT NOT NULL,
  unit_price DECIMAL(4,2) NOT NULL,
  quantity INT NOT NULL CHECK (quantity > 0 AND quantity * 3 <= 30),
  UNIQUE (invoice_id, track_id),
  FOREIGN KEY (invoice_id) REFERENCES invoice(invoice_id),
  FOREIGN KEY (track_id) REFERENCES track(track_id)
) ENGINE=InnoDB;

-- A music store on SQLite: BLOB covers, a WITHOUT ROWID join table with an IN-list CHECK,
-- GLOB and LIKE patterns, length() bounds, json_valid.
CREATE TABLE artist (
  artist_id INTEGER PRIMARY KEY,
  name NVARCHAR(120) NOT NULL,
  metadata TEXT CHECK (json_valid(metadata))
);
CREATE TABLE album (
  album_id INTEGER PRIMARY KEY,
  artist_id INTEGER NOT NULL REFERENCES artist(artist_id),
  title NVARCHAR(160) NOT NULL,
  released_year INTEGER CHECK (released_year BETWEEN 1950 AND 2025),
  cover BLOB
);
CREATE TABLE track (
  track_id INTEGER PRIMARY KEY,
  album_id INTEGER NOT NULL REFERENCES album(album_id),
  name NVARCHAR(200) NOT NULL,
  isrc TEXT UNIQUE CHECK (isrc GLOB '[A-Z][A-Z][A-Z0-9][A-Z0-9][A-Z0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
  milliseconds INTEGER NOT NULL CHECK (milliseconds > 1000),
  unit_price NUMERIC(4,2) NOT NULL CHECK (unit_price > 0 AND unit_price < 10)
);
CREATE TABLE customer (
  customer_id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  country TEXT NOT NULL CHECK (length(country) = 2),
  phone TEXT CHECK (phone GLOB '+[0-9]*'),
  support_rep_id INTEGER
);
CREATE TABLE playlist (
  playlist_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60)
);
CREATE TABLE playlist_member (
  playlist_id INTEGER NOT NULL REFERENCES playlist(playlist_id),
  customer_id INTEGER NOT NULL REFERENCES customer(customer_id),
  role TEXT NOT NULL CHECK (role IN ('member','admin','owner')),
  PRIMARY KEY (playlist_id, customer_id)
) WITHOUT ROWID;
CREATE TABLE invoice (
  invoice_id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer(customer_id),
  invoice_date DATETIME NOT NULL,
  total NUMERIC(10,2) NOT NULL CHECK (total >= 0)
);
CREATE TABLE invoice_line (
  invoice_line_id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES invoice(invoice_id),
  track_id INTEGER NOT NULL REFERENCES track(track_id),
  unit_price NUMERIC(4,2) NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0 AND quantity * 3 <= 30)
);

-- A music store in the style of public sample databases (artists, albums, tracks, customers,
-- invoices): arrays, tsvector, interval, money, citext, jsonb, bytea, a domain with a regex.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE DOMAIN isrc_code AS varchar(12) CHECK (VALUE ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$');
CREATE TABLE artist (
  artist_id serial PRIMARY KEY,
  name varchar(120) NOT NULL,
  genres text[] NOT NULL,
  metadata jsonb
);
CREATE TABLE album (
  album_id serial PRIMARY KEY,
  artist_id int NOT NULL REFERENCES artist(artist_id),
  title varchar(160) NOT NULL,
  released_year smallint CHECK (released_year BETWEEN 1950 AND 2025),
  cover bytea
);
CREATE TABLE track (
  track_id serial PRIMARY KEY,
  album_id int NOT NULL REFERENCES album(album_id),
  name varchar(200) NOT NULL,
  isrc isrc_code UNIQUE,
  duration interval NOT NULL,
  unit_price numeric(4,2) NOT NULL CHECK (unit_price > 0 AND unit_price < 10),
  bytes int CHECK (bytes * 2 <= 2000000000),
  lyrics_tsv tsvector,
  ratings real[]
);
CREATE TABLE customer (
  customer_id serial PRIMARY KEY,
  email citext NOT NULL UNIQUE,
  first_name varchar(40) NOT NULL,
  last_name varchar(40) NOT NULL,
  phone varchar(24) CHECK (phone ~ '^\+[0-9]{1,3}-[0-9]{3}-[0-9]{4,7}$'),
  country char(2) NOT NULL CHECK (length(country) = 2),
  settings jsonb NOT NULL,
  balance money NOT NULL
);
CREATE TABLE invoice (
  invoice_id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customer(customer_id),
  invoice_date timestamptz NOT NULL,
  billing_address jsonb,
  total numeric(10,2) NOT NULL CHECK (total >= 0)
);
CREATE TABLE invoice_line (
  invoice_line_id serial PRIMARY KEY,
  invoice_id int NOT NULL REFERENCES invoice(invoice_id),
  track_id int NOT NULL REFERENCES track(track_id),
  unit_price numeric(4,2) NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0 AND quantity * 3 <= 30),
  UNIQUE (invoice_id, track_id)
);

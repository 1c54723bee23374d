-- A DVD rental store in the style of the classic film-rental sample: a store's manager is a
-- staff member and every staff member belongs to a store (a cycle of NOT NULL foreign keys),
-- an enum, a domain over integer, text[] special features and a tsvector.
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');
CREATE TYPE feature AS ENUM ('Trailers', 'Commentaries', 'Deleted Scenes', 'Behind the Scenes');
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE TABLE country (
  country_id serial PRIMARY KEY,
  country varchar(50) NOT NULL
);
CREATE TABLE city (
  city_id serial PRIMARY KEY,
  city varchar(50) NOT NULL,
  country_id int NOT NULL REFERENCES country(country_id)
);
CREATE TABLE address (
  address_id serial PRIMARY KEY,
  address varchar(50) NOT NULL,
  district varchar(20) NOT NULL,
  city_id int NOT NULL REFERENCES city(city_id),
  postal_code varchar(10) CHECK (postal_code ~ '^[0-9]{5}$'),
  phone varchar(20) NOT NULL
);
CREATE TABLE store (
  store_id serial PRIMARY KEY,
  manager_staff_id int NOT NULL UNIQUE,
  address_id int NOT NULL REFERENCES address(address_id)
);
CREATE TABLE staff (
  staff_id serial PRIMARY KEY,
  first_name varchar(45) NOT NULL,
  last_name varchar(45) NOT NULL,
  address_id int NOT NULL REFERENCES address(address_id),
  email varchar(50),
  store_id int NOT NULL REFERENCES store(store_id),
  active boolean NOT NULL DEFAULT true,
  username varchar(16) NOT NULL CHECK (length(username) >= 3),
  picture bytea
);
ALTER TABLE store ADD CONSTRAINT store_manager_fk FOREIGN KEY (manager_staff_id) REFERENCES staff(staff_id);
CREATE TABLE language (
  language_id serial PRIMARY KEY,
  name char(20) NOT NULL
);
CREATE TABLE film (
  film_id serial PRIMARY KEY,
  title varchar(255) NOT NULL,
  description text,
  release_year year,
  language_id int NOT NULL REFERENCES language(language_id),
  rental_duration smallint NOT NULL DEFAULT 3 CHECK (rental_duration BETWEEN 1 AND 14),
  rental_rate numeric(4,2) NOT NULL CHECK (rental_rate >= 0.99),
  length smallint CHECK (length > 0),
  replacement_cost numeric(5,2) NOT NULL,
  rating mpaa_rating DEFAULT 'G',
  special_features feature[],
  fulltext tsvector NOT NULL,
  CHECK (replacement_cost > rental_rate)
);
CREATE TABLE inventory (
  inventory_id serial PRIMARY KEY,
  film_id int NOT NULL REFERENCES film(film_id),
  store_id int NOT NULL REFERENCES store(store_id)
);
CREATE TABLE customer (
  customer_id serial PRIMARY KEY,
  store_id int NOT NULL REFERENCES store(store_id),
  first_name varchar(45) NOT NULL,
  last_name varchar(45) NOT NULL,
  email varchar(50) UNIQUE,
  address_id int NOT NULL REFERENCES address(address_id),
  activebool boolean NOT NULL DEFAULT true,
  create_date date NOT NULL
);
CREATE TABLE rental (
  rental_id serial PRIMARY KEY,
  rental_date timestamptz NOT NULL,
  inventory_id int NOT NULL REFERENCES inventory(inventory_id),
  customer_id int NOT NULL REFERENCES customer(customer_id),
  return_date timestamptz,
  staff_id int NOT NULL REFERENCES staff(staff_id),
  CHECK (return_date > rental_date)
);
CREATE TABLE payment (
  payment_id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customer(customer_id),
  staff_id int NOT NULL REFERENCES staff(staff_id),
  rental_id int NOT NULL REFERENCES rental(rental_id),
  amount numeric(5,2) NOT NULL CHECK (amount >= 0),
  payment_date timestamptz NOT NULL
);

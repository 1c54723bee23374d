-- The film-rental sample's shape on MariaDB: store.manager_staff_id -> staff and
-- staff.store_id -> store, both NOT NULL; ENUM and SET features, YEAR, BLOB picture.
CREATE TABLE address (
  address_id SMALLINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  address VARCHAR(50) NOT NULL,
  district VARCHAR(20) NOT NULL,
  postal_code VARCHAR(10) CHECK (postal_code RLIKE '^[0-9]{5}$'),
  phone VARCHAR(20) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE store (
  store_id TINYINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  manager_staff_id TINYINT UNSIGNED NOT NULL UNIQUE,
  address_id SMALLINT UNSIGNED NOT NULL,
  FOREIGN KEY (address_id) REFERENCES address(address_id)
) ENGINE=InnoDB;
CREATE TABLE staff (
  staff_id TINYINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id SMALLINT UNSIGNED NOT NULL,
  picture BLOB,
  email VARCHAR(50),
  store_id TINYINT UNSIGNED NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  username VARCHAR(16) NOT NULL CHECK (CHAR_LENGTH(username) >= 3),
  FOREIGN KEY (address_id) REFERENCES address(address_id),
  FOREIGN KEY (store_id) REFERENCES store(store_id)
) ENGINE=InnoDB;
ALTER TABLE store ADD CONSTRAINT fk_store_staff FOREIGN KEY (manager_staff_id) REFERENCES staff(staff_id);
CREATE TABLE film (
  film_id SMALLINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(128) NOT NULL,
  description TEXT,
  release_year YEAR,
  rental_duration TINYINT UNSIGNED NOT NULL DEFAULT 3 CHECK (rental_duration BETWEEN 1 AND 14),
  rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
  length SMALLINT UNSIGNED,
  replacement_cost DECIMAL(5,2) NOT NULL DEFAULT 19.99,
  rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',
  special_features SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes'),
  CHECK (replacement_cost > rental_rate)
) ENGINE=InnoDB;
CREATE TABLE inventory (
  inventory_id MEDIUMINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  film_id SMALLINT UNSIGNED NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  FOREIGN KEY (film_id) REFERENCES film(film_id),
  FOREIGN KEY (store_id) REFERENCES store(store_id)
) ENGINE=InnoDB;
CREATE TABLE customer (
  customer_id SMALLINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  store_id TINYINT UNSIGNED NOT NULL,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50),
  address_id SMALLINT UNSIGNED NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  create_date DATETIME NOT NULL,
  FOREIGN KEY (store_id) REFERENCES store(store_id),
  FOREIGN KEY (address_id) REFERENCES address(address_id)
) ENGINE=InnoDB;
CREATE TABLE rental (
  rental_id INT AUTO_INCREMENT PRIMARY KEY,
  rental_date DATETIME NOT NULL,
  inventory_id MEDIUMINT UNSIGNED NOT NULL,
  customer_id SMALLINT UNSIGNED NOT NULL,
  return_date DATETIME,
  staff_id TINYINT UNSIGNED NOT NULL,
  CHECK (return_date > rental_date),
  FOREIGN KEY (inventory_id) REFERENCES inventory(inventory_id),
  FOREIGN KEY (customer_id) REFERENCES customer(customer_id),
  FOREIGN KEY (staff_id) REFERENCES staff(staff_id)
) ENGINE=InnoDB;

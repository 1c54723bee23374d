-- A blog on MariaDB: REGEXP/RLIKE/LIKE patterns, CHAR_LENGTH/LENGTH bounds, NOT IN, <>,
-- JSON metadata, SET tags, a self-referencing comment tree.
CREATE TABLE authors (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  handle VARCHAR(30) NOT NULL UNIQUE CHECK (handle REGEXP '^[a-z][a-z0-9_]{2,19}$'),
  display_name VARCHAR(80) NOT NULL CHECK (CHAR_LENGTH(display_name) BETWEEN 3 AND 80),
  website VARCHAR(200) CHECK (website LIKE 'https://%'),
  bio TEXT CHECK (LENGTH(bio) <= 2000),
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  CHECK (updated_at >= created_at)
);
CREATE TABLE posts (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  author_id BIGINT NOT NULL,
  slug VARCHAR(120) NOT NULL UNIQUE CHECK (slug RLIKE '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title VARCHAR(200) NOT NULL CHECK (CHAR_LENGTH(title) >= 5),
  body MEDIUMTEXT NOT NULL,
  status VARCHAR(12) NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
  language CHAR(5) NOT NULL CHECK (language REGEXP '^[a-z]{2}_[A-Z]{2}$'),
  topics SET('tech', 'life', 'travel', 'food', 'music'),
  metadata JSON,
  word_count INT NOT NULL CHECK (word_count >= 0 AND word_count DIV 10 < 1000),
  FOREIGN KEY (author_id) REFERENCES authors(id)
);
CREATE TABLE tags (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(40) NOT NULL UNIQUE CHECK (name NOT IN ('admin', 'root', 'null')),
  color CHAR(7) NOT NULL CHECK (color REGEXP '^#[0-9a-f]{6}$')
);
CREATE TABLE post_tags (
  post_id BIGINT NOT NULL,
  tag_id INT NOT NULL,
  PRIMARY KEY (post_id, tag_id),
  FOREIGN KEY (post_id) REFERENCES posts(id),
  FOREIGN KEY (tag_id) REFERENCES tags(id)
);
CREATE TABLE comments (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  post_id BIGINT NOT NULL,
  parent_id BIGINT,
  author_email VARCHAR(120) NOT NULL CHECK (author_email LIKE '%@%.%'),
  body VARCHAR(2000) NOT NULL CHECK (LENGTH(body) > 0),
  score INT NOT NULL DEFAULT 0 CHECK (score <> -1 AND score BETWEEN -100 AND 100),
  created_at DATETIME NOT NULL,
  FOREIGN KEY (post_id) REFERENCES posts(id),
  FOREIGN KEY (parent_id) REFERENCES comments(id)
);

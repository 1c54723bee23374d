-- A blog (authors, posts, tags, comments) whose CHECKs are patterns and lengths: POSIX
-- regexes (~ and ~*), SIMILAR TO, LIKE, length/char_length/octet_length bounds, NOT IN.
CREATE TABLE authors (
  id bigserial PRIMARY KEY,
  handle varchar(30) NOT NULL UNIQUE CHECK (handle ~ '^[a-z][a-z0-9_]{2,19}$'),
  display_name varchar(80) NOT NULL CHECK (char_length(display_name) BETWEEN 3 AND 80),
  website varchar(200) CHECK (website ~* '^https?://'),
  twitter varchar(16) CHECK (twitter SIMILAR TO '@[A-Za-z0-9_]{1,15}'),
  bio text CHECK (octet_length(bio) <= 2000),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (updated_at >= created_at)
);
CREATE TABLE posts (
  id bigserial PRIMARY KEY,
  author_id bigint NOT NULL REFERENCES authors(id),
  slug varchar(120) NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title varchar(200) NOT NULL CHECK (length(title) >= 5),
  body text NOT NULL,
  status varchar(12) NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
  language char(5) NOT NULL CHECK (language ~ '^[a-z]{2}_[A-Z]{2}$'),
  word_count int NOT NULL CHECK (word_count >= 0 AND word_count / 10 < 1000),
  published_at timestamptz,
  tags text[],
  search tsvector
);
CREATE TABLE tags (
  id serial PRIMARY KEY,
  name varchar(40) NOT NULL UNIQUE CHECK (name NOT IN ('admin', 'root', 'null')),
  color char(7) NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$')
);
CREATE TABLE post_tags (
  post_id bigint NOT NULL REFERENCES posts(id),
  tag_id int NOT NULL REFERENCES tags(id),
  PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE comments (
  id bigserial PRIMARY KEY,
  post_id bigint NOT NULL REFERENCES posts(id),
  parent_id bigint REFERENCES comments(id),
  author_email varchar(120) NOT NULL CHECK (author_email LIKE '%@%.%'),
  body varchar(2000) NOT NULL CHECK (length(body) > 0),
  score int NOT NULL DEFAULT 0 CHECK (score <> -1 AND score BETWEEN -100 AND 100),
  ip inet,
  created_at timestamptz NOT NULL
);

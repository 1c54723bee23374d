-- A blog on SQLite: slugs and handles by GLOB, emails by LIKE, exact and bounded lengths,
-- NOT IN and <>, NULL combinations and same-row timestamps.
CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE CHECK (handle GLOB '[a-z][a-z0-9_]*' AND length(handle) BETWEEN 3 AND 20),
  display_name TEXT NOT NULL CHECK (length(display_name) >= 3),
  website TEXT CHECK (website LIKE 'https://%'),
  twitter TEXT,
  mastodon TEXT,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  CHECK (twitter IS NOT NULL OR mastodon IS NOT NULL),
  CHECK (updated_at >= created_at)
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors(id),
  slug TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
  title TEXT NOT NULL CHECK (length(title) >= 5),
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
  language TEXT NOT NULL CHECK (length(language) = 5),
  word_count INTEGER NOT NULL CHECK (word_count >= 0 AND word_count / 10 < 1000)
);
CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (name NOT IN ('admin', 'root', 'null')),
  color TEXT NOT NULL CHECK (color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')
);
CREATE TABLE post_tags (
  post_id INTEGER NOT NULL REFERENCES posts(id),
  tag_id INTEGER NOT NULL REFERENCES tags(id),
  PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id),
  parent_id INTEGER REFERENCES comments(id),
  author_email TEXT NOT NULL CHECK (author_email LIKE '%@%.%'),
  body TEXT NOT NULL CHECK (length(body) > 0),
  score INTEGER NOT NULL DEFAULT 0 CHECK (score <> -1 AND score BETWEEN -100 AND 100),
  created_at TIMESTAMP NOT NULL
);

-- A forum on SQLite: GLOB usernames and slugs, a reply tree, votes in a WITHOUT ROWID table,
-- <>, NOT IN, IN on integers, one-of-two NULL combination on foreign keys.
CREATE TABLE users (
  user_id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE CHECK (username GLOB '[a-z][a-z0-9_]*' AND length(username) BETWEEN 3 AND 24),
  email TEXT NOT NULL UNIQUE,
  reputation INTEGER NOT NULL DEFAULT 1 CHECK (reputation >= 1),
  joined_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP,
  CHECK (last_seen_at >= joined_at)
);
CREATE TABLE boards (
  board_id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*'),
  title TEXT NOT NULL,
  position INTEGER NOT NULL CHECK (position <> 0)
);
CREATE TABLE threads (
  thread_id INTEGER PRIMARY KEY,
  board_id INTEGER NOT NULL REFERENCES boards(board_id),
  author_id INTEGER NOT NULL REFERENCES users(user_id),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 5 AND 200),
  state TEXT NOT NULL CHECK (state NOT IN ('deleted')),
  pinned BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE posts (
  post_id INTEGER PRIMARY KEY,
  thread_id INTEGER NOT NULL REFERENCES threads(thread_id),
  author_id INTEGER NOT NULL REFERENCES users(user_id),
  reply_to INTEGER REFERENCES posts(post_id),
  body TEXT NOT NULL CHECK (length(body) >= 2),
  created_at TIMESTAMP NOT NULL,
  edited_at TIMESTAMP,
  CHECK (edited_at IS NULL OR edited_at > created_at)
);
CREATE TABLE votes (
  post_id INTEGER NOT NULL REFERENCES posts(post_id),
  user_id INTEGER NOT NULL REFERENCES users(user_id),
  value INTEGER NOT NULL CHECK (value IN (-1, 1)),
  PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;
CREATE TABLE badges (
  badge_id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(user_id),
  name TEXT NOT NULL,
  awarded_for_post INTEGER REFERENCES posts(post_id),
  awarded_for_thread INTEGER REFERENCES threads(thread_id),
  CHECK (awarded_for_post IS NOT NULL OR awarded_for_thread IS NOT NULL)
);
-- A trigger: every new user gets a user_stats row (keyed by the user: seeding it too would
-- collide).
CREATE TABLE user_stats (
  user_id INTEGER PRIMARY KEY REFERENCES users(user_id),
  post_count INTEGER NOT NULL CHECK (post_count >= 0),
  since TEXT NOT NULL
);
CREATE TRIGGER users_stats AFTER INSERT ON users BEGIN INSERT INTO user_stats (user_id, post_count, since) VALUES (NEW.user_id, 0, date(NEW.joined_at)); END;

-- A forum (users, boards, threads, posts, votes, badges): citext names, tsvector search,
-- varchar[] mentions, a tsquery left to its DEFAULT, a self-referencing reply tree, an ~*
-- pattern, <>, NOT IN and one-of-two NULL combinations.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE users (
  user_id bigserial PRIMARY KEY,
  username citext NOT NULL UNIQUE CHECK (username ~* '^[a-z][a-z0-9_]{2,23}$'),
  email citext NOT NULL UNIQUE,
  reputation int NOT NULL DEFAULT 1 CHECK (reputation >= 1),
  settings jsonb NOT NULL,
  saved_filter tsquery NOT NULL DEFAULT 'news & sports'::tsquery,
  joined_at timestamptz NOT NULL,
  last_seen_at timestamptz,
  CHECK (last_seen_at >= joined_at)
);
CREATE TABLE boards (
  board_id serial PRIMARY KEY,
  slug varchar(40) NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
  title varchar(80) NOT NULL,
  position smallint NOT NULL CHECK (position <> 0)
);
CREATE TABLE threads (
  thread_id bigserial PRIMARY KEY,
  board_id int NOT NULL REFERENCES boards(board_id),
  author_id bigint NOT NULL REFERENCES users(user_id),
  title varchar(200) NOT NULL CHECK (char_length(title) BETWEEN 5 AND 200),
  state varchar(8) NOT NULL CHECK (state NOT IN ('deleted')),
  pinned boolean NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE posts (
  post_id bigserial PRIMARY KEY,
  thread_id bigint NOT NULL REFERENCES threads(thread_id),
  author_id bigint NOT NULL REFERENCES users(user_id),
  reply_to bigint REFERENCES posts(post_id),
  body text NOT NULL CHECK (length(body) >= 2),
  search tsvector,
  mentions varchar(24)[],
  created_at timestamptz NOT NULL,
  edited_at timestamptz,
  CHECK (edited_at IS NULL OR edited_at > created_at)
);
CREATE TABLE votes (
  post_id bigint NOT NULL REFERENCES posts(post_id),
  user_id bigint NOT NULL REFERENCES users(user_id),
  value smallint NOT NULL CHECK (value IN (-1, 1)),
  PRIMARY KEY (post_id, user_id)
);
CREATE TABLE badges (
  badge_id serial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(user_id),
  name varchar(40) NOT NULL,
  awarded_for_post bigint REFERENCES posts(post_id),
  awarded_for_thread bigint REFERENCES threads(thread_id),
  CHECK (awarded_for_post IS NOT NULL OR awarded_for_thread IS NOT NULL)
);
-- Triggers: every new user gets a user_stats row (keyed by the user: seeding it too would
-- collide), and a post's tsquery, NOT NULL with no DEFAULT, is set by a BEFORE trigger.
CREATE TABLE user_stats (
  user_id bigint PRIMARY KEY REFERENCES users(user_id),
  post_count int NOT NULL CHECK (post_count >= 0),
  since date NOT NULL
);
CREATE FUNCTION forum_new_user() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO user_stats (user_id, post_count, since) VALUES (NEW.user_id, 0, NEW.joined_at::date); RETURN NEW; END $$;
CREATE TRIGGER users_stats AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION forum_new_user();
ALTER TABLE posts ADD COLUMN lookup tsquery NOT NULL;
CREATE FUNCTION forum_post_lookup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.lookup := plainto_tsquery('simple', left(NEW.body, 40)); RETURN NEW; END $$;
CREATE TRIGGER posts_lookup BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION forum_post_lookup();

-- A forum on MariaDB: a reply tree, votes with a composite key, JSON settings, SET roles,
-- <>, NOT IN, a one-of-two NULL combination on foreign keys.
CREATE TABLE users (
  user_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(24) NOT NULL UNIQUE CHECK (username REGEXP '^[a-z][a-z0-9_]{2,23}$'),
  email VARCHAR(120) NOT NULL UNIQUE,
  roles SET('member', 'moderator', 'admin') NOT NULL,
  reputation INT NOT NULL DEFAULT 1 CHECK (reputation >= 1),
  settings JSON NOT NULL,
  joined_at DATETIME NOT NULL,
  last_seen_at DATETIME,
  CHECK (last_seen_at >= joined_at)
);
CREATE TABLE boards (
  board_id INT AUTO_INCREMENT PRIMARY KEY,
  slug VARCHAR(40) NOT NULL UNIQUE CHECK (slug RLIKE '^[a-z0-9-]+$'),
  title VARCHAR(80) NOT NULL,
  position SMALLINT NOT NULL CHECK (position <> 0)
);
CREATE TABLE threads (
  thread_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  board_id INT NOT NULL,
  author_id BIGINT NOT NULL,
  title VARCHAR(200) NOT NULL CHECK (CHAR_LENGTH(title) BETWEEN 5 AND 200),
  state VARCHAR(8) NOT NULL CHECK (state NOT IN ('deleted')),
  pinned BOOLEAN NOT NULL,
  created_at DATETIME NOT NULL,
  FOREIGN KEY (board_id) REFERENCES boards(board_id),
  FOREIGN KEY (author_id) REFERENCES users(user_id)
);
CREATE TABLE posts (
  post_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  thread_id BIGINT NOT NULL,
  author_id BIGINT NOT NULL,
  reply_to BIGINT,
  body TEXT NOT NULL CHECK (LENGTH(body) >= 2),
  created_at DATETIME NOT NULL,
  edited_at DATETIME,
  CHECK (edited_at IS NULL OR edited_at > created_at),
  FOREIGN KEY (thread_id) REFERENCES threads(thread_id),
  FOREIGN KEY (author_id) REFERENCES users(user_id),
  FOREIGN KEY (reply_to) REFERENCES posts(post_id)
);
CREATE TABLE votes (
  post_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  value TINYINT NOT NULL CHECK (value IN (-1, 1)),
  PRIMARY KEY (post_id, user_id),
  FOREIGN KEY (post_id) REFERENCES posts(post_id),
  FOREIGN KEY (user_id) REFERENCES users(user_id)
);
CREATE TABLE badges (
  badge_id INT AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  name VARCHAR(40) NOT NULL,
  awarded_for_post BIGINT,
  awarded_for_thread BIGINT,
  CHECK (awarded_for_post IS NOT NULL OR awarded_for_thread IS NOT NULL),
  FOREIGN KEY (user_id) REFERENCES users(user_id),
  FOREIGN KEY (awarded_for_post) REFERENCES posts(post_id),
  FOREIGN KEY (awarded_for_thread) REFERENCES threads(thread_id)
);
-- Triggers: every new user gets a user_stats row (keyed by the user: seeding it too would
-- collide), and a thread's LINESTRING, NOT NULL with no DEFAULT, is set by a BEFORE trigger.
CREATE TABLE user_stats (
  user_id BIGINT PRIMARY KEY,
  post_count INT NOT NULL CHECK (post_count >= 0),
  since DATE NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users(user_id)
);
CREATE TRIGGER users_stats AFTER INSERT ON users FOR EACH ROW INSERT INTO user_stats (user_id, post_count, since) VALUES (NEW.user_id, 0, DATE(NEW.joined_at));
ALTER TABLE threads ADD COLUMN route LINESTRING NOT NULL;
CREATE TRIGGER threads_route BEFORE INSERT ON threads FOR EACH ROW SET NEW.route = LineString(Point(0, 0), Point(1, NEW.board_id));

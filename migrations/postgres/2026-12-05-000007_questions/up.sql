-- Questions: a post may ask one; the asker or a moderator marks the comment that answers it.
ALTER TABLE posts ADD COLUMN question BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE posts ADD COLUMN best_answer_id BIGINT NULL REFERENCES comments (id);
-- The questions filter of group and company feeds, newest first.
CREATE INDEX posts_questions ON posts (group_id, id) WHERE question;

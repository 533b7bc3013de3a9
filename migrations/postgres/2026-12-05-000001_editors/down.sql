ALTER TABLE comment_versions DROP COLUMN edited_by;
ALTER TABLE post_versions DROP COLUMN edited_by;
ALTER TABLE comments DROP COLUMN edited_by;
ALTER TABLE posts DROP COLUMN edited_by;

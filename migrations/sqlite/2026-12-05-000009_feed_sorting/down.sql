DROP INDEX posts_group_activity;
DROP INDEX posts_activity;
DROP INDEX posts_group_open_activity;
DROP INDEX posts_open_activity;
ALTER TABLE posts DROP COLUMN open_activity_at;
ALTER TABLE posts DROP COLUMN activity_at;

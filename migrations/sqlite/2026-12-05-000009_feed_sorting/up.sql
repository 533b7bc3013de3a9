-- "Recent activity" order: when a post was made or last commented on. Guests sort by the
-- comments they may see (`open_activity_at`), so a comment for employees only never moves a
-- post in a guest's feed.
ALTER TABLE posts ADD COLUMN activity_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE posts ADD COLUMN open_activity_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE posts SET
    activity_at = COALESCE((SELECT MAX(c.created_at) FROM comments c WHERE c.post_id = posts.id AND c.deleted_at IS NULL AND c.created_at > posts.created_at), posts.created_at),
    open_activity_at = COALESCE((SELECT MAX(c.created_at) FROM comments c WHERE c.post_id = posts.id AND c.deleted_at IS NULL AND NOT c.employees_only AND c.created_at > posts.created_at), posts.created_at);
CREATE INDEX posts_activity ON posts (activity_at, id);
CREATE INDEX posts_group_activity ON posts (group_id, activity_at, id);
CREATE INDEX posts_open_activity ON posts (open_activity_at, id);
CREATE INDEX posts_group_open_activity ON posts (group_id, open_activity_at, id);

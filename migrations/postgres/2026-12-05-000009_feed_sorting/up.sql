-- "Recent activity" order: when a post was made or last commented on. Guests sort by the
-- comments they may see (`open_activity_at`), so a comment for employees only never moves a
-- post in a guest's feed.
ALTER TABLE posts ADD COLUMN activity_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE posts ADD COLUMN open_activity_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE posts SET
    activity_at = COALESCE((SELECT MAX(c.created_at) FROM comments c WHERE c.post_id = posts.id AND c.deleted_at IS NULL AND c.created_at > posts.created_at), posts.created_at),
    open_activity_at = COALESCE((SELECT MAX(c.created_at) FROM comments c WHERE c.post_id = posts.id AND c.deleted_at IS NULL AND NOT c.employees_only AND c.created_at > posts.created_at), posts.created_at);
-- Every insert names both from now on.
ALTER TABLE posts ALTER COLUMN activity_at DROP DEFAULT;
ALTER TABLE posts ALTER COLUMN open_activity_at DROP DEFAULT;
CREATE INDEX posts_activity ON posts (activity_at, id);
CREATE INDEX posts_group_activity ON posts (group_id, activity_at, id);
CREATE INDEX posts_open_activity ON posts (open_activity_at, id);
CREATE INDEX posts_group_open_activity ON posts (group_id, open_activity_at, id);

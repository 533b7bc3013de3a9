-- Who edited: posts and comments name their last editor, and each earlier version the person
-- whose edit replaced it (the author, or a moderator of the group or site).
ALTER TABLE posts ADD COLUMN edited_by BIGINT NULL;
ALTER TABLE comments ADD COLUMN edited_by BIGINT NULL;
ALTER TABLE post_versions ADD COLUMN edited_by BIGINT NULL;
ALTER TABLE comment_versions ADD COLUMN edited_by BIGINT NULL;
-- Until now only authors edited.
UPDATE posts SET edited_by = author_id WHERE edited_at IS NOT NULL;
UPDATE comments SET edited_by = author_id WHERE edited_at IS NOT NULL;
UPDATE post_versions SET edited_by = (SELECT author_id FROM posts WHERE posts.id = post_versions.post_id);
UPDATE comment_versions SET edited_by = (SELECT author_id FROM comments WHERE comments.id = comment_versions.comment_id);

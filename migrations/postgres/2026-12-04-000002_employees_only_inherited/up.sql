-- Anything under a post for employees only is for employees only: its comments are marked,
-- and no tag of the post or its comments is recorded (tag feeds, trending and tag search
-- read those rows). Rebuild the search index afterwards (`agora reindex`).
UPDATE comments SET employees_only = TRUE
    WHERE post_id IN (SELECT id FROM posts WHERE employees_only = TRUE);
UPDATE posts SET open_comment_count = 0 WHERE employees_only = TRUE;
DELETE FROM post_tags
    WHERE post_id IN (SELECT id FROM posts WHERE employees_only = TRUE);

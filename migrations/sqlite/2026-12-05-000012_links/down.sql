DROP TABLE backlinks;
ALTER TABLE comments DROP COLUMN links;
DROP INDEX posts_shares;
ALTER TABLE posts DROP COLUMN share_count;
ALTER TABLE posts DROP COLUMN shared_post_id;

-- Shares: a post may carry another post (never a share: a share of a share carries the
-- original), shown only to readers who may read it. share_count counts every share, so a
-- page asks who may see which only of posts shared at all.
ALTER TABLE posts ADD COLUMN shared_post_id BIGINT NULL REFERENCES posts (id);
ALTER TABLE posts ADD COLUMN share_count BIGINT NOT NULL DEFAULT 0;
CREATE INDEX posts_shares ON posts (shared_post_id);
-- The links of a comment, as a post keeps them: JSON, cleaned as saved.
ALTER TABLE comments ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
-- Backlinks: the posts and comments (comment_id 0: the post's own body) that link to one of
-- our pages, named by target: 'post:7', 'comment:9', 'person:3', 'group:2', 'tag:rust'.
CREATE TABLE backlinks (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (post_id, comment_id, target)
);
CREATE INDEX backlinks_to ON backlinks (target, post_id);

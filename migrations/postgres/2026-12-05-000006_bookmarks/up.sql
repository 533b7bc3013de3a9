-- Bookmarks: posts and comments a person saved to read later, private to her. `comment_id`
-- NULL saves the post itself. Rows of what she can no longer read stay, and stay hidden.
CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT NULL REFERENCES comments (id),
    created_at TIMESTAMP NOT NULL
);
-- One bookmark per person and thing; a saved post and a saved comment of it are two.
CREATE UNIQUE INDEX bookmarks_once ON bookmarks (user_id, post_id, COALESCE(comment_id, 0));
-- Her list, newest first.
CREATE INDEX bookmarks_by_user ON bookmarks (user_id, id);

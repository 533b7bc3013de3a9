-- Posts a reader has met already: read on their page, emailed about in a notification, or
-- listed in a digest. Digests leave these out.
CREATE TABLE seen_posts (
    user_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    -- 'read', 'email' or 'digest'
    how TEXT NOT NULL CHECK (how IN ('read', 'email', 'digest')),
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, post_id, how)
);

-- How often a member hears of a group's posts by email: 'each_post' (a notification per
-- post), 'daily' or 'weekly' (in a digest of that period), 'never', or 'digest' (with the
-- member's own digest, the default).
ALTER TABLE memberships ADD COLUMN email_frequency TEXT NOT NULL DEFAULT 'digest'
    CHECK (email_frequency IN ('each_post', 'daily', 'weekly', 'never', 'digest'));

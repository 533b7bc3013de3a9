-- Polls: a post may carry one, with 2 to 10 options. Counts move in the same transaction as
-- the vote rows, as likes do.
CREATE TABLE polls (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id),
    multiple BOOLEAN NOT NULL,
    anonymous BOOLEAN NOT NULL,
    -- 'vote': results shown to whoever voted (and to all once closed); 'close': to all once closed.
    results_after TEXT NOT NULL,
    closes_at TIMESTAMP NULL,
    voter_count BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE poll_options (
    id BIGINT PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES polls (post_id),
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    vote_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX poll_options_of ON poll_options (post_id, position);
CREATE TABLE poll_votes (
    option_id BIGINT NOT NULL REFERENCES poll_options (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NOT NULL REFERENCES polls (post_id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (option_id, user_id)
);
CREATE INDEX poll_votes_by_voter ON poll_votes (post_id, user_id);

-- One-time sign-in links sent by email: the link's token is stored hashed, used once, and
-- short-lived.
CREATE TABLE sign_in_links (
    id BIGINT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX sign_in_links_expiry ON sign_in_links (expires_at);

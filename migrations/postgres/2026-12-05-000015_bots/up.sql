-- A user may be a bot.
ALTER TABLE users DROP CONSTRAINT users_kind_check;
ALTER TABLE users ADD CONSTRAINT users_kind_check CHECK (kind IN ('admin', 'employee', 'guest', 'bot'));
-- Bots: accounts of kind 'bot' (walled like guests, never signing in) act through tokens an
-- admin issues. A token may read, write or both, may be limited to some of its owner's
-- groups, and may expire. People's own tokens keep reading and writing everything they may.
ALTER TABLE api_tokens ADD COLUMN can_read BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE api_tokens ADD COLUMN can_write BOOLEAN NOT NULL DEFAULT TRUE;
-- True when the token reaches only the groups listed in api_token_groups.
ALTER TABLE api_tokens ADD COLUMN group_limited BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP NULL;
ALTER TABLE api_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
CREATE TABLE api_token_groups (
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES groups (id),
    PRIMARY KEY (token_id, group_id)
);
-- Incoming webhooks: a secret URL that posts into one group as its own bot account.
CREATE TABLE incoming_webhooks (
    id BIGINT PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES groups (id),
    bot_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NULL
);
CREATE INDEX incoming_webhooks_by_group ON incoming_webhooks (group_id);
-- Who a post came through: "Deploy bot via Releases" names the sender an incoming webhook was
-- told (its `username`); null for everything else.
ALTER TABLE posts ADD COLUMN via TEXT NULL;

-- A guest's sponsor (the employee who invited her) and the day her access ends.
CREATE TABLE guests (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    sponsor_id BIGINT NOT NULL REFERENCES users (id),
    expires_at TIMESTAMP NOT NULL,
    -- Set when the sponsor leaves: an admin decides whether she stays.
    needs_review BOOLEAN NOT NULL DEFAULT FALSE,
    -- When the sponsor was last asked to extend her access.
    reminded_at TIMESTAMP,
    last_seen_at TIMESTAMP
);
CREATE INDEX guests_expiry ON guests (expires_at);
CREATE INDEX guests_sponsor ON guests (sponsor_id);

CREATE TABLE invitations (
    id BIGINT PRIMARY KEY NOT NULL,
    group_id BIGINT NOT NULL REFERENCES groups (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    invited_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by BIGINT REFERENCES users (id),
    cancelled_at TIMESTAMP
);
CREATE INDEX invitations_group ON invitations (group_id, id);

-- Every email, written in the transaction of what it tells about and sent by one task that
-- retries with backoff: an SMTP outage delays mail, never loses it.
CREATE TABLE mail_outbox (
    id BIGINT PRIMARY KEY NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL DEFAULT '',
    -- Extra headers as a JSON object.
    headers TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    -- A permanent refusal (5xx): not retried, shown to admins.
    failed_at TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A comment employees marked for themselves in a group guests read: never shown to guests.
ALTER TABLE comments ADD COLUMN employees_only BOOLEAN NOT NULL DEFAULT FALSE;
-- The comments guests may see, counted like comment_count.
ALTER TABLE posts ADD COLUMN open_comment_count BIGINT NOT NULL DEFAULT 0;
UPDATE posts SET open_comment_count = comment_count;

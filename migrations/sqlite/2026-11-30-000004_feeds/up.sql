-- Each user's feed token, derived by signing (user, generation) with the server's key: it
-- is never stored, so the settings page can show it again. Resetting or revoking bumps the
-- generation, which makes every earlier token fail; `active` is false after a revocation.
CREATE TABLE feed_tokens (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    generation BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Refused mail listed for admins, newest first.
CREATE INDEX mail_outbox_failed ON mail_outbox (failed_at, id);

-- Exports of one person's data ("your data to take away"): requested from her settings,
-- built in the background into a ZIP in the file store, downloadable by her alone until
-- expires_at, then swept (state 'expired', the file gone).
CREATE TABLE user_exports (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- 'requested', 'building', 'ready', 'failed' or 'expired'.
    state TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    -- When the last build started and until when its builder holds it; a build whose lease
    -- ran out (its process died) is taken again from scratch.
    started_at TIMESTAMP NULL,
    lease_until TIMESTAMP NULL,
    -- Builds started; each claims the row with its own number.
    attempts INTEGER NOT NULL DEFAULT 0,
    finished_at TIMESTAMP NULL,
    expires_at TIMESTAMP NULL,
    -- Bytes of the ZIP and its key in the file store, once ready.
    size BIGINT NULL,
    storage_key TEXT NULL,
    -- Why the last build failed, for the logs and admins; never shown to others.
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_exports_by_user ON user_exports (user_id, id);
CREATE INDEX user_exports_by_state ON user_exports (state, id);
-- One export in progress per person.
CREATE UNIQUE INDEX user_exports_one_in_progress ON user_exports (user_id)
    WHERE state IN ('requested', 'building');

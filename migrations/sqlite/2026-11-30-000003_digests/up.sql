-- One row per user and digest period ('daily' or 'weekly') and period key (the local date,
-- or the ISO week such as '2026-W49'), written in the transaction that queues the email: the
-- primary key is what makes a digest go out once per period, even across a crash and rerun.
-- A digest with nothing to tell is recorded too (mail_id NULL), so a rerun skips that user.
CREATE TABLE digests (
    user_id BIGINT NOT NULL REFERENCES users (id),
    period TEXT NOT NULL CHECK (period IN ('daily', 'weekly')),
    period_key TEXT NOT NULL,
    -- Posts listed, and how many more were left out by the cap.
    post_count INTEGER NOT NULL,
    more_count INTEGER NOT NULL,
    -- The queued email, if anything was sent.
    mail_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, period, period_key)
);

CREATE INDEX digests_by_period ON digests (period, period_key);

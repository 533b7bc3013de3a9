-- What a user is told: one row per recipient and subject ("like:post:42"). While unread, later
-- events of the same subject fold into the row (newest actor first, with a count), so the
-- list reads "Ann and 4 others liked your post".
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- 'mention', 'comment', 'like', 'follow', 'group_post', 'join_request', 'invitation_accepted'
    kind TEXT NOT NULL,
    -- What folds together: kind and subject, e.g. 'comment:post:42'.
    group_key TEXT NOT NULL,
    -- The newest actor.
    actor_id BIGINT NOT NULL REFERENCES users (id),
    -- JSON array of the most recent distinct actors, newest first (at most 50).
    actors TEXT NOT NULL,
    -- Distinct actors folded into the row.
    actor_count INTEGER NOT NULL DEFAULT 1,
    post_id BIGINT,
    comment_id BIGINT,
    group_id BIGINT,
    -- The last event folded in: the list's order, and the guard against applying an event twice.
    last_event_id BIGINT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notifications_by_user ON notifications (user_id, last_event_id);
CREATE INDEX notifications_by_key ON notifications (group_key, user_id);

-- Per user and kind, how a notification is delivered: 'app', 'email' (at once, and in the
-- app), 'digest' (only in the digest) or 'off'. No row: the kind's default.
CREATE TABLE notification_settings (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('app', 'email', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- Threads a user muted: no more comment, like or group-post notifications about that post.
CREATE TABLE thread_mutes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- Posted quietly by a group's owner or admin: nobody is notified of it.
ALTER TABLE posts ADD COLUMN quiet BOOLEAN NOT NULL DEFAULT 0;

-- Outgoing webhooks: endpoints registered by a site admin (company-wide, group_id NULL) or a
-- group admin (one group), with the event types they want. The secret signs deliveries; after
-- a rotation the previous one signs too until previous_secret_until.
CREATE TABLE webhooks (
    id BIGINT PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    group_id BIGINT NULL REFERENCES groups (id),
    url TEXT NOT NULL,
    -- Space-separated event types, such as 'post.created comment.created'.
    event_types TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    previous_secret TEXT NULL,
    previous_secret_until TIMESTAMP NULL,
    -- Failed attempts since the last success; at webhooks.disable_after_failures it is disabled.
    failures INTEGER NOT NULL DEFAULT 0,
    disabled_at TIMESTAMP NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_by_group ON webhooks (group_id);
-- The delivery log: one row per attempt (or per delivery skipped because its owner may no
-- longer read what it is about).
CREATE TABLE webhook_attempts (
    id BIGINT PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    outbox_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    message_id TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    -- 'delivered', 'failed' or 'skipped'.
    outcome TEXT NOT NULL,
    status INTEGER NULL,
    latency_ms INTEGER NOT NULL,
    -- The start of the answer, or why there was none.
    response TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, id);

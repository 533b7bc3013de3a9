-- One outbox for everything delivered outside (mail now; webhooks and pushes later): a kind,
-- its payload as JSON, and the sending state every kind shares. Mail moves over unchanged.
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- The group the delivery is about, if any: admins who may not see it do not see its subject.
    group_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    -- Refused for good, or out of attempts: not retried until an admin says so.
    dead_at TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox (id, kind, payload, group_id, created_at, attempts, next_attempt_at, sent_at, dead_at, last_error)
SELECT id, 'mail',
       json_object('to', to_address, 'subject', subject, 'text', text_body, 'html', html_body, 'headers', json(headers)),
       group_id, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error
FROM mail_outbox;
DROP TABLE mail_outbox;
CREATE INDEX outbox_due ON outbox (kind, next_attempt_at, id) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead ON outbox (kind, dead_at, id);

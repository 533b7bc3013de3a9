-- Mail goes back to its own table; deliveries of other kinds are dropped with the outbox.
CREATE TABLE mail_outbox (
    id BIGINT PRIMARY KEY NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL DEFAULT '',
    headers TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT '',
    group_id BIGINT
);
INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, headers, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error, group_id)
SELECT id, (payload::json->>'to'), (payload::json->>'subject'), (payload::json->>'text'), (payload::json->>'html'), (payload::json->'headers')::text,
       created_at, attempts, next_attempt_at, sent_at, dead_at, last_error, group_id
FROM outbox WHERE kind = 'mail';
DROP TABLE outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_failed ON mail_outbox (failed_at, id);

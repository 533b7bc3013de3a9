DROP INDEX mail_outbox_failed;
DROP TABLE feed_tokens;

ALTER TABLE posts DROP COLUMN open_comment_count;
ALTER TABLE comments DROP COLUMN employees_only;
DROP TABLE mail_outbox;
DROP TABLE invitations;
DROP TABLE guests;

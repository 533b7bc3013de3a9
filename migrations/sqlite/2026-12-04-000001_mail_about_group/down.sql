ALTER TABLE mail_outbox DROP COLUMN group_id;

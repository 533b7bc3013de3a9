-- The group a message is about, if any: admins who may not see the group do not see its subject.
ALTER TABLE mail_outbox ADD COLUMN group_id BIGINT;

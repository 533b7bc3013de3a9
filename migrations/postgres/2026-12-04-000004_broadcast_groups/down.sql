ALTER TABLE groups DROP COLUMN members_comment;
ALTER TABLE groups DROP COLUMN broadcast;

-- Broadcast groups: only their owners and admins post; members comment unless that is off too.
ALTER TABLE groups ADD COLUMN broadcast BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE groups ADD COLUMN members_comment BOOLEAN NOT NULL DEFAULT TRUE;

-- A post employees marked for themselves in a group guests read: never shown to guests.
ALTER TABLE posts ADD COLUMN employees_only BOOLEAN NOT NULL DEFAULT FALSE;

-- A deleted account stays as a tombstone row (posts, comments, reports and the audit log name
-- its id): personal data wiped, never able to sign in again. `deleted_at` tells it apart from
-- a deactivated account, which an admin may bring back.
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP NULL;

-- Org data on profiles: a manager (a user), location, phone, pronouns and time zone.
ALTER TABLE users ADD COLUMN manager_id BIGINT NULL;
ALTER TABLE users ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN pronouns TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
CREATE INDEX users_manager ON users (manager_id);
-- Employees' circles read the guests on every feed page.
CREATE INDEX users_kind ON users (kind);

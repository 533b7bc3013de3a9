DROP INDEX users_kind;
DROP INDEX users_manager;
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE users DROP COLUMN pronouns;
ALTER TABLE users DROP COLUMN phone;
ALTER TABLE users DROP COLUMN location;
ALTER TABLE users DROP COLUMN manager_id;

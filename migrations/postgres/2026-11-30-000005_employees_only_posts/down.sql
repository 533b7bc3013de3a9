ALTER TABLE posts DROP COLUMN employees_only;

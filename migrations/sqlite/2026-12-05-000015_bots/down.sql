ALTER TABLE posts DROP COLUMN via;
DROP TABLE incoming_webhooks;
DROP TABLE api_token_groups;
ALTER TABLE api_tokens DROP COLUMN name;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE api_tokens DROP COLUMN group_limited;
ALTER TABLE api_tokens DROP COLUMN can_write;
ALTER TABLE api_tokens DROP COLUMN can_read;
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, '''employee'', ''guest'', ''bot''))', '''employee'', ''guest''))')
WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
CREATE TABLE bots_schema_bump (id INTEGER);
DROP TABLE bots_schema_bump;

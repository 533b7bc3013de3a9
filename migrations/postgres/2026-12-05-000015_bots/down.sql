ALTER TABLE posts DROP COLUMN via;
DROP TABLE incoming_webhooks;
DROP TABLE api_token_groups;
ALTER TABLE api_tokens DROP COLUMN name;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE api_tokens DROP COLUMN group_limited;
ALTER TABLE api_tokens DROP COLUMN can_write;
ALTER TABLE api_tokens DROP COLUMN can_read;

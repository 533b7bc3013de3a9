ALTER TABLE api_tokens DROP COLUMN last_seen_at;
ALTER TABLE api_tokens DROP COLUMN ip;
ALTER TABLE api_tokens DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN ip;
ALTER TABLE sessions DROP COLUMN user_agent;

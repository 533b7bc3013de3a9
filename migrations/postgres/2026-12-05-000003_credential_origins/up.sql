-- Where each session and token was issued (client software and address) and when it was last
-- used, for the security settings page; last use is written at most every few minutes.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP NULL;
ALTER TABLE api_tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN last_seen_at TIMESTAMP NULL;

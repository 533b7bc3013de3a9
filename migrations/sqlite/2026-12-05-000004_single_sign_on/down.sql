DROP TABLE sso_logout_tokens;
DROP TABLE sso_sessions;
DROP TABLE sso_identities;

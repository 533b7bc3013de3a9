-- People who sign in through the company's OpenID provider, known by the provider's
-- subject identifier (an email can change; the subject cannot).
CREATE TABLE sso_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- A session opened through the provider: the provider's session (`sid`), which a
-- back-channel logout names, and the ID token, the hint of an RP-initiated logout.
CREATE TABLE sso_sessions (
    session_id BIGINT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    sid TEXT NULL,
    id_token TEXT NOT NULL
);
CREATE INDEX sso_sessions_sid ON sso_sessions (sid);

-- Logout tokens already honoured, by `jti`, until they expire: a replay is refused.
CREATE TABLE sso_logout_tokens (
    jti TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);

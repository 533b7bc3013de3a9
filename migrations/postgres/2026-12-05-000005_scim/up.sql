-- Tokens of SCIM clients (the company's identity provider): shown once, stored hashed.
CREATE TABLE scim_tokens (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NULL
);

-- People SCIM provisioned, with what the directory keeps about them beyond the profile.
-- `removed_at`: SCIM deleted her (she is deactivated, and SCIM no longer sees her).
CREATE TABLE directory_entries (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    external_id TEXT NULL,
    employee_number TEXT NOT NULL DEFAULT '',
    provisioned_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP NULL
);

-- Groups SCIM created or claimed, with the directory's own id for them.
CREATE TABLE directory_groups (
    group_id BIGINT PRIMARY KEY REFERENCES groups (id),
    external_id TEXT NULL
);

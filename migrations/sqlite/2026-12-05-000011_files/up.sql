-- Files: each distinct content once (`blobs`, keyed by the SHA-256 of the uploaded bytes),
-- and each use of it (`attachments`): on a post, on a comment, as a profile photo, or on
-- nothing yet (an upload awaiting its post; swept when left too long).
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    -- Sniffed from the bytes, never the client's word.
    content_type TEXT NOT NULL,
    -- Images: as shown (orientation applied), and the type of their renditions.
    width INTEGER NULL,
    height INTEGER NULL,
    rendition_type TEXT NULL,
    -- Text of a text or PDF file, searched with the post.
    text TEXT NULL,
    -- Last upload of this content: the sweep leaves recent blobs alone.
    touched_at TIMESTAMP NOT NULL
);
CREATE TABLE attachments (
    id BIGINT PRIMARY KEY,
    blob TEXT NOT NULL REFERENCES blobs (sha256),
    uploader_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NULL REFERENCES posts (id),
    comment_id BIGINT NULL REFERENCES comments (id),
    name TEXT NOT NULL,
    alt TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- When what it was on was deleted: removed after the grace period.
    gone_at TIMESTAMP NULL
);
CREATE INDEX attachments_by_post ON attachments (post_id);
CREATE INDEX attachments_by_comment ON attachments (comment_id);
CREATE INDEX attachments_by_blob ON attachments (blob);
CREATE INDEX attachments_by_uploader ON attachments (uploader_id, created_at);
ALTER TABLE users ADD COLUMN photo_id BIGINT NULL REFERENCES attachments (id);

-- Link previews, one per URL (as bodies store it), shared by every post and comment linking
-- there. 'due': to fetch (again) from due_at; 'ready': fetched, something to show; 'empty':
-- fetched, nothing to show; 'failed': given up after repeated failures.
CREATE TABLE link_previews (
    url TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    title TEXT NULL,
    description TEXT NULL,
    site_name TEXT NULL,
    canonical_url TEXT NULL,
    -- A thumbnail of its image, re-encoded and stored here (files' storage, as a thumb form).
    image_sha256 TEXT NULL,
    image_width INTEGER NULL,
    image_height INTEGER NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at TIMESTAMP NULL,
    fetched_at TIMESTAMP NULL
);
CREATE INDEX link_previews_due ON link_previews (due_at);
-- Which bodies show which previews (comment_id 0: the post's own body), in order; the author
-- may remove one.
CREATE TABLE link_uses (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    position INTEGER NOT NULL,
    removed BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (post_id, comment_id, url)
);
CREATE INDEX link_uses_by_url ON link_uses (url);

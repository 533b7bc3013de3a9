-- Announcements: a post by a site admin (company) or a group's owner or admin (group), pinned
-- atop the feeds that show it until `ends_at` or until each reader dismisses it; "must read"
-- ones are dismissed only by "I have read this", and their author sees who has.
CREATE TABLE announcements (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id),
    group_id BIGINT NULL REFERENCES groups (id),
    must_read BOOLEAN NOT NULL,
    ends_at TIMESTAMP NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_by_place ON announcements (group_id, created_at);
-- A reader dismissed it, or (must read) said she read it.
CREATE TABLE announcement_reads (
    post_id BIGINT NOT NULL REFERENCES announcements (post_id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    read_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

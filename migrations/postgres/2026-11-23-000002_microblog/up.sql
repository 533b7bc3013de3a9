CREATE TABLE groups (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private', 'secret')),
    allow_guests BOOLEAN NOT NULL DEFAULT FALSE,
    -- Kept with every join and leave, so a page of posts shows its groups without counting.
    member_count BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX groups_visibility ON groups (visibility, id);

CREATE TABLE memberships (
    group_id BIGINT NOT NULL REFERENCES groups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, group_id);

CREATE TABLE join_requests (
    group_id BIGINT NOT NULL REFERENCES groups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE posts (
    id BIGINT PRIMARY KEY NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    group_id BIGINT REFERENCES groups (id),
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    links TEXT NOT NULL DEFAULT '[]',
    like_count BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    deleted_by BIGINT
);
-- Feeds read newest-first ranges of live posts per group and per author; the group id rides
-- along so visibility is decided without touching the table (deleted_at too: SQLite would
-- otherwise read the row to check what the partial index already guarantees).
CREATE INDEX posts_group ON posts (group_id, id, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX posts_author ON posts (author_id, id, group_id, deleted_at) WHERE deleted_at IS NULL;

CREATE TABLE post_versions (
    id BIGINT PRIMARY KEY NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX post_versions_post ON post_versions (post_id, id);

CREATE TABLE comments (
    id BIGINT PRIMARY KEY NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    like_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    deleted_by BIGINT
);
CREATE INDEX comments_post ON comments (post_id, id);

CREATE TABLE comment_versions (
    id BIGINT PRIMARY KEY NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_versions_comment ON comment_versions (comment_id, id);

CREATE TABLE post_likes (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_likes_user ON post_likes (user_id, post_id);

CREATE TABLE comment_likes (
    comment_id BIGINT NOT NULL REFERENCES comments (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- Tags of posts (from the post body) and of comments (comment_id set), with the post's group
-- copied in, so a tag feed reads one index range per tag and filters by visibility on the way.
-- Rows of deleted posts and comments are removed.
CREATE TABLE post_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT NOT NULL DEFAULT 0,
    group_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tag_id, post_id, comment_id)
);
CREATE INDEX post_tags_feed ON post_tags (tag_id, comment_id, post_id, group_id);
CREATE INDEX post_tags_post ON post_tags (post_id);
CREATE INDEX post_tags_time ON post_tags (created_at);

CREATE TABLE mentions (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (post_id, comment_id, user_id)
);
CREATE INDEX mentions_user ON mentions (user_id);

CREATE TABLE user_follows (
    follower_id BIGINT NOT NULL REFERENCES users (id),
    followee_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX user_follows_followee ON user_follows (followee_id);

CREATE TABLE tag_follows (
    user_id BIGINT NOT NULL REFERENCES users (id),
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, tag_id)
);

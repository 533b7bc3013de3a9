-- Hidden by a moderator rather than deleted: the row is removed from every read path like a
-- deleted one (deleted_at is set), and its author still sees it, with this reason.
ALTER TABLE posts ADD COLUMN hidden_reason TEXT;
ALTER TABLE comments ADD COLUMN hidden_reason TEXT;

-- A reader's report of a post (comment_id NULL) or a comment. Private to the reporter and to
-- those who moderate where the item lives (group_id; NULL: the company feed), so no event.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    comment_id BIGINT REFERENCES comments (id),
    group_id BIGINT REFERENCES groups (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Set together when a moderator decides (or the item is removed by someone else):
    -- outcome is dismissed, hidden, deleted or removed; sanction warn or suspend; message
    -- the moderator's words to the author.
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    outcome TEXT,
    sanction TEXT,
    message TEXT
);
-- One open report per person and item.
CREATE UNIQUE INDEX reports_one_open ON reports (reporter_id, post_id, COALESCE(comment_id, 0))
    WHERE resolved_at IS NULL;
-- The queue: open reports, oldest first, by where they live.
CREATE INDEX reports_queue ON reports (group_id, id) WHERE resolved_at IS NULL;
-- Closing every open report of an item at once.
CREATE INDEX reports_item ON reports (post_id, comment_id);
-- The reporter's own reports, newest first, and her hourly allowance.
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);

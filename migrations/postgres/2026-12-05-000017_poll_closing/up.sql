-- Whether the log has told of a poll's closing (`poll.closed`); polls closed before this
-- release count as told, so an upgrade announces nothing old.
ALTER TABLE polls ADD COLUMN closed_told BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE polls SET closed_told = TRUE WHERE closes_at IS NOT NULL AND closes_at <= (now() AT TIME ZONE 'UTC');
CREATE INDEX polls_closing ON polls (closed_told, closes_at);

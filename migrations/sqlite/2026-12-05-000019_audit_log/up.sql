-- The audit log: an append-only record of administrative and security actions. The actor is
-- kept as a bare id (no foreign key): the log outlives what it names, and deleting an account
-- anonymises the person, not the log. `detail` is a JSON object as text.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_at ON audit_log (at);
-- No entry is ever changed, and none is deleted within a day of being written (retention keeps
-- at least a day); the product has no path that tries either. Times are stored as
-- 'YYYY-MM-DD HH:MM:SS.ffffff' UTC, which compares as text with datetime().
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
WHEN OLD.at > datetime('now', '-1 day')
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused');
END;

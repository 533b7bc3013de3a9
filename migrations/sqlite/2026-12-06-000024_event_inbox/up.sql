-- PostgreSQL's writers append events here and its sequencer moves them into `events`
-- (src/events/sequencer.rs). SQLite has one writer at a time and appends to `events`
-- directly; the table is kept empty here so that both backends have one schema.
CREATE TABLE event_inbox (
    seq INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT,
    subject_id BIGINT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

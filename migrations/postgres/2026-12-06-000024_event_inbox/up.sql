-- Where writers append events on PostgreSQL, without waiting on one another; the sequencer
-- (src/events/sequencer.rs) moves committed rows into `events` with dense ids, in the order it finds them committed.
CREATE TABLE event_inbox (
    seq BIGSERIAL PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT,
    subject_id BIGINT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

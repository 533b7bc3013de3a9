//! The events log: every change appends one typed [`Event`] inside the transaction that makes
//! it, and the workers (`crate::workers`: search index, live hub, notifier) tail it.
//!
//! Event ids are dense and become visible strictly in order, so a consumer that has read up
//! to id N never misses a smaller id committed later. On SQLite, whose one writer holds the
//! only write lock until commit, an append takes the next id directly. On PostgreSQL writers
//! do not wait on one another: they append to `event_inbox`, and the [`sequencer`] gives the
//! rows their ids after they committed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::replanned::replanned;
use crate::db::schema::{event_cursors, event_inbox, events};
use crate::error::Result;
use crate::on_backend;

mod codec;
mod kinds;
pub mod sequencer;

pub use codec::{Columns, Undecodable, decode, encode};
pub use kinds::{CommentChange, CommentLike, Event, Membership, PollVote, PostChange, PostLike};
pub use sequencer::{Sequenced, sequence};

/// An event as the log holds it: its place, its time, and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub at: NaiveDateTime,
    pub event: Event,
}

/// A stored row, before it is read as an [`Event`].
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = events)]
struct Row {
    id: i64,
    kind: String,
    actor_id: Option<i64>,
    subject_id: Option<i64>,
    payload: String,
    created_at: NaiveDateTime,
}

/// Appends `event` in the caller's transaction. Consumers read it once it has an id: at once
/// on SQLite, after [`sequence`] on PostgreSQL.
pub fn append(conn: &mut DbConnection, event: &Event) -> Result<()> {
    let columns = codec::encode(event);
    let at = crate::clock::now();
    match conn {
        DbConnection::Postgres(inner) => {
            diesel::insert_into(event_inbox::table)
                .values((
                    event_inbox::kind.eq(columns.kind),
                    event_inbox::actor_id.eq(columns.actor_id),
                    event_inbox::subject_id.eq(columns.subject_id),
                    event_inbox::payload.eq(columns.payload),
                    event_inbox::created_at.eq(at),
                ))
                .execute(inner)?;
        }
        DbConnection::Sqlite(inner) => {
            let last: Option<i64> = events::table
                .select(diesel::dsl::max(events::id))
                .first(inner)?;
            diesel::insert_into(events::table)
                .values((
                    events::id.eq(last.unwrap_or(0) + 1),
                    events::kind.eq(columns.kind),
                    events::actor_id.eq(columns.actor_id),
                    events::subject_id.eq(columns.subject_id),
                    events::payload.eq(columns.payload),
                    events::created_at.eq(at),
                ))
                .execute(inner)?;
        }
    }
    Ok(())
}

/// Events read from the log: those this build can read, and how far the read went.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<Recorded>,
    /// The id of the last row read, readable or not: a cursor moves past both.
    pub last_id: Option<i64>,
    /// Rows read, readable or not.
    pub rows: usize,
}

/// Up to `limit` events after `after`, oldest first. A row this build cannot read is logged
/// with its id as skipped by `reader`, never guessed at.
pub fn read_after(conn: &mut DbConnection, after: i64, limit: i64, reader: &str) -> Result<Batch> {
    let tail = events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .select(Row::as_select());
    let rows: Vec<Row> = replanned(tail).load(conn)?;
    let (last_id, count) = (rows.last().map(|row| row.id), rows.len());
    let events = rows
        .into_iter()
        .filter_map(|row| {
            let columns = codec::Columns {
                kind: row.kind,
                actor_id: row.actor_id,
                subject_id: row.subject_id,
                payload: row.payload,
            };
            match codec::decode(&columns) {
                Ok(event) => Some(Recorded {
                    id: row.id,
                    at: row.created_at,
                    event,
                }),
                Err(error) => {
                    tracing::error!(event_id = row.id, %reader, %error, "unreadable event skipped");
                    None
                }
            }
        })
        .collect();
    Ok(Batch {
        events,
        last_id,
        rows: count,
    })
}

/// The newest event id, or 0 for an empty log.
pub fn last_id(conn: &mut DbConnection) -> Result<i64> {
    let last: Option<i64> =
        replanned(events::table.select(diesel::dsl::max(events::id))).get_result(conn)?;
    Ok(last.unwrap_or(0))
}

/// Where `consumer` stopped: the last event id it applied (0 if it never ran).
pub fn load_cursor(conn: &mut DbConnection, consumer: &str) -> Result<i64> {
    Ok(event_cursors::table
        .find(consumer)
        .select(event_cursors::last_event_id)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Stores `consumer`'s cursor; call it in the transaction that applied the events.
pub fn save_cursor(conn: &mut DbConnection, consumer: &str, last_event_id: i64) -> Result<()> {
    let now = Utc::now().naive_utc();
    let row = (
        event_cursors::consumer.eq(consumer),
        event_cursors::last_event_id.eq(last_event_id),
        event_cursors::updated_at.eq(now),
    );
    on_backend!(conn, |inner| diesel::insert_into(event_cursors::table)
        .values(row)
        .on_conflict(event_cursors::consumer)
        .do_update()
        .set((
            event_cursors::last_event_id.eq(last_event_id),
            event_cursors::updated_at.eq(now)
        ))
        .execute(inner))?;
    Ok(())
}

/// What a worker waits for between passes: any write of this process, or only the log growing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// A write committed in this process: its outbox rows, exports, or (PostgreSQL) inbox rows
    /// to sequence.
    Writes,
    /// The events log grew: on SQLite at a write's commit, on PostgreSQL when the sequencer
    /// moved rows into it. The log's tails wait for this alone, so on PostgreSQL a write does
    /// not wake them before its events can be read.
    Log,
}

/// Wakes workers when a write commits in this process. Writes by other processes on the
/// same database are picked up by the poll interval of [`Wakeup::wait`].
///
/// It also counts this process's committed writes, and how many of them have their events in
/// the log for certain, for readers that must know that the log holds every write made here
/// so far (`posts::heads`).
#[derive(Debug)]
pub struct Wakeup {
    writes: tokio::sync::watch::Sender<u64>,
    log: tokio::sync::watch::Sender<u64>,
    commits: AtomicU64,
    logged: AtomicU64,
}

impl Default for Wakeup {
    fn default() -> Wakeup {
        Wakeup {
            writes: tokio::sync::watch::channel(0).0,
            log: tokio::sync::watch::channel(0).0,
            commits: AtomicU64::new(0),
            logged: AtomicU64::new(0),
        }
    }
}

impl Wakeup {
    /// Called after every write's commit; `logged` when its events went into the log in its
    /// own transaction (SQLite), rather than into PostgreSQL's inbox.
    pub fn committed(&self, logged: bool) {
        let commits = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if logged {
            self.logged.fetch_max(commits, Ordering::SeqCst);
        }
        self.wrote(logged);
    }

    /// Writes committed in this process so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// Of this process's writes, how many have their events in the log for certain.
    pub fn logged(&self) -> u64 {
        self.logged.load(Ordering::SeqCst)
    }

    /// The sequencer moved into the log every inbox row committed before it counted
    /// `commits` ([`Wakeup::commits`], read before its move).
    pub fn logged_through(&self, commits: u64) {
        self.logged.fetch_max(commits, Ordering::SeqCst);
    }

    /// Wakes the workers waiting for writes; the log's tails too when the writes' events are
    /// in the log already (`logged`).
    pub fn wrote(&self, logged: bool) {
        self.writes.send_modify(|generation| *generation += 1);
        if logged {
            self.log_grew();
        }
    }

    /// Wakes the log's tails.
    pub fn log_grew(&self) {
        self.log.send_modify(|generation| *generation += 1);
    }

    /// A receiver to wait on for `topic`; create it before reading, so no commit slips
    /// between.
    pub fn subscribe(&self, topic: Topic) -> tokio::sync::watch::Receiver<u64> {
        match topic {
            Topic::Writes => self.writes.subscribe(),
            Topic::Log => self.log.subscribe(),
        }
    }

    /// Waits for the next wake-up seen by `receiver`, or at most `poll`.
    pub async fn wait(receiver: &mut tokio::sync::watch::Receiver<u64>, poll: Duration) {
        // A timeout or a closed channel both just mean "read again".
        let _ = tokio::time::timeout(poll, receiver.changed()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::{Topic, Wakeup};

    #[test]
    fn tails_wake_only_when_the_log_grew() {
        let wakeup = Wakeup::default();
        let (mut writes, mut log) = (
            wakeup.subscribe(Topic::Writes),
            wakeup.subscribe(Topic::Log),
        );
        // PostgreSQL: a commit's events wait in the inbox.
        wakeup.committed(false);
        assert!(writes.has_changed().unwrap());
        assert!(!log.has_changed().unwrap());
        writes.mark_unchanged();
        // The sequencer moved them.
        wakeup.log_grew();
        assert!(log.has_changed().unwrap());
        assert!(!writes.has_changed().unwrap());
        log.mark_unchanged();
        // SQLite: a commit's events are in the log.
        wakeup.committed(true);
        assert!(writes.has_changed().unwrap() && log.has_changed().unwrap());
        assert_eq!((wakeup.commits(), wakeup.logged()), (2, 2));
    }
}

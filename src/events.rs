//! The events log: every change appends one row inside the transaction that makes it, and
//! consumers (search, live hub, notifier, digests) tail it with a stored cursor.
//!
//! Event ids are dense and assigned under the event-log lock (`db::lock_event_log`), which is
//! held until commit, so ids become visible strictly in order. A consumer that has read up to
//! id N therefore never misses a smaller id committed later.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{event_cursors, events};
use crate::db::{Db, DbConnection, lock_consumer, lock_event_log};
use crate::error::Result;
use crate::on_backend;

/// One recorded change.
#[derive(Clone, Debug, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    /// JSON with whatever the consumers need beyond the ids.
    pub payload: String,
    pub created_at: NaiveDateTime,
}

/// A change about to be recorded.
#[derive(Debug)]
pub struct NewEvent<'a> {
    /// `user.created`, `post.created`, …
    pub kind: &'a str,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub payload: serde_json::Value,
}

impl<'a> NewEvent<'a> {
    /// An event of `kind` by `actor` about `subject`, with an empty payload.
    pub fn new(kind: &'a str, actor_id: Option<i64>, subject_id: Option<i64>) -> NewEvent<'a> {
        NewEvent {
            kind,
            actor_id,
            subject_id,
            payload: serde_json::Value::Null,
        }
    }

    /// The same event carrying `payload`.
    pub fn with(mut self, payload: impl Serialize) -> NewEvent<'a> {
        self.payload = serde_json::to_value(payload).unwrap_or(serde_json::Value::Null);
        self
    }
}

/// Appends `event` in the caller's transaction; returns its id.
pub fn append(conn: &mut DbConnection, event: NewEvent<'_>) -> Result<i64> {
    lock_event_log(conn)?;
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .first(conn)?;
    let id = last.unwrap_or(0) + 1;
    diesel::insert_into(events::table)
        .values((
            events::id.eq(id),
            events::kind.eq(event.kind),
            events::actor_id.eq(event.actor_id),
            events::subject_id.eq(event.subject_id),
            events::payload.eq(event.payload.to_string()),
            events::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Up to `limit` events after `after`, oldest first.
pub fn read_after(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<Event>> {
    Ok(events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .select(Event::as_select())
        .load(conn)?)
}

/// The newest event id, or 0 for an empty log.
pub fn last_id(conn: &mut DbConnection) -> Result<i64> {
    let last: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .first(conn)?;
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

/// Wakes consumers when a write commits in this process. Writes by other processes on the
/// same database are picked up by the poll interval of [`Wakeup::wait`].
#[derive(Debug)]
pub struct Wakeup {
    sender: tokio::sync::watch::Sender<u64>,
}

impl Default for Wakeup {
    fn default() -> Wakeup {
        Wakeup {
            sender: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Wakeup {
    /// Called after every commit.
    pub fn notify(&self) {
        self.sender.send_modify(|generation| *generation += 1);
    }

    /// A receiver to wait on; create it before reading, so no commit slips between.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.sender.subscribe()
    }

    /// Waits for the next commit seen by `receiver`, or at most `poll`.
    pub async fn wait(receiver: &mut tokio::sync::watch::Receiver<u64>, poll: Duration) {
        // A timeout or a closed channel both just mean "read again".
        let _ = tokio::time::timeout(poll, receiver.changed()).await;
    }
}

/// Applies the events after `consumer`'s stored cursor, at most `limit`, and moves the cursor
/// in the same transaction, so each event is applied exactly once even across crashes, and
/// processes running the same consumer take turns.
/// Returns how many were applied.
pub fn consume_batch(
    db: &Db,
    consumer: &str,
    limit: i64,
    mut apply: impl FnMut(&mut DbConnection, &Event) -> Result<()>,
) -> Result<usize> {
    // Not `Db::write`: a consumer's own commit must not wake the consumers again.
    db.write_quietly(|conn| {
        lock_consumer(conn, consumer)?;
        let after = load_cursor(conn, consumer)?;
        let batch = read_after(conn, after, limit)?;
        for event in &batch {
            apply(conn, event)?;
        }
        if let Some(last) = batch.last() {
            save_cursor(conn, consumer, last.id)?;
        }
        Ok(batch.len())
    })
}

/// Runs `consumer` until `stop` fires: applies batches as long as there are events, then
/// sleeps until a commit in this process wakes it, or `poll` passes (for other processes).
pub async fn tail<F>(
    db: Db,
    consumer: String,
    poll: Duration,
    apply: F,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    F: FnMut(&mut DbConnection, &Event) -> Result<()> + Send + Clone + 'static,
{
    let mut wakeups = db.wakeup().subscribe();
    while !*stop.borrow() {
        wakeups.mark_unchanged();
        let (db2, name, f) = (db.clone(), consumer.clone(), apply.clone());
        let applied = tokio::task::spawn_blocking(move || consume_batch(&db2, &name, 500, f)).await;
        match applied {
            Ok(Ok(n)) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%consumer, %error, "event consumer failed; retrying"),
            Err(error) => tracing::error!(%consumer, %error, "event consumer panicked; retrying"),
        }
        tokio::select! {
            _ = Wakeup::wait(&mut wakeups, poll) => {}
            _ = stop.changed() => {}
        }
    }
}

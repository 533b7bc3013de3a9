//! Consumers of the events log with a stored cursor: each batch is applied in the transaction
//! that moves the cursor past it, so an event is applied exactly once across crashes, and on
//! PostgreSQL a per-consumer advisory lock makes processes running the same consumer take turns.

use std::sync::Arc;
use std::time::Duration;

use super::{Pass, Wake, Worker, blocking};
use crate::db::{Backend, Db, DbConnection, lock_consumer};
use crate::error::Result;
use crate::events::{self, Recorded};

/// Events → effects, in the cursor's transaction.
pub trait Consumer: Send + Sync + 'static {
    /// Its cursor's name in `event_cursors`, and its name in logs and metrics.
    fn name(&self) -> &'static str;
    /// Events read per transaction.
    fn batch_size(&self) -> i64 {
        500
    }
    /// How often the log is read when no commit in this process wakes the consumer.
    fn poll(&self) -> Duration {
        Duration::from_secs(1)
    }
    /// Applies `events`, in order, in the transaction that then moves the cursor; returns
    /// whether it wrote work for other workers (events of its own, outbox rows), which wakes
    /// them after commit.
    fn apply(&self, conn: &mut DbConnection, events: &[Recorded]) -> Result<Appended>;
}

/// Whether a batch wrote work for other workers (`Appended(true)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended(pub bool);

/// What one batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consumed {
    /// Rows read (readable or not).
    pub read: usize,
    /// The cursor after the batch.
    pub cursor: i64,
    pub appended: bool,
}

/// Applies the events after `consumer`'s cursor, at most its batch size, and moves the cursor
/// in the same transaction.
pub fn consume_batch(db: &Db, consumer: &dyn Consumer) -> Result<Consumed> {
    let name = consumer.name();
    // Not `Db::write`: a consumer's own commit must not wake the workers again.
    db.write_quietly(|conn| {
        lock_consumer(conn, name)?;
        let after = events::load_cursor(conn, name)?;
        let batch = events::read_after(conn, after, consumer.batch_size(), name)?;
        let Some(last) = batch.last_id else {
            return Ok(Consumed {
                cursor: after,
                ..Consumed::default()
            });
        };
        let Appended(appended) = consumer.apply(conn, &batch.events)?;
        events::save_cursor(conn, name, last)?;
        Ok(Consumed {
            read: batch.rows,
            cursor: last,
            appended,
        })
    })
}

/// Runs a [`Consumer`] as a worker.
pub struct ConsumerWorker<C> {
    db: Db,
    consumer: Arc<C>,
}

impl<C: Consumer> ConsumerWorker<C> {
    pub fn new(db: &Db, consumer: C) -> ConsumerWorker<C> {
        ConsumerWorker {
            db: db.clone(),
            consumer: Arc::new(consumer),
        }
    }
}

impl<C: Consumer> Worker for ConsumerWorker<C> {
    fn name(&self) -> &'static str {
        self.consumer.name()
    }

    fn wake(&self) -> Wake {
        Wake::OnLog(self.consumer.poll())
    }

    async fn pass(&mut self) -> Result<Pass> {
        let (db, consumer) = (self.db.clone(), self.consumer.clone());
        let consumed = blocking(move || consume_batch(&db, consumer.as_ref())).await?;
        if consumed.appended {
            // Its events are in the log already on SQLite; on PostgreSQL the sequencer's move
            // wakes the tails.
            let logged = self.db.backend() == Backend::Sqlite;
            self.db.wakeup().wrote(logged);
        }
        Ok(Pass {
            more: consumed.read > 0,
            position: Some(consumed.cursor),
        })
    }
}

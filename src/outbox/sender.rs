//! One sender loop per kind of delivery: in the process holding that kind's sender lock, it
//! takes what is due, hands each delivery to the kind's [`Courier`], and records the outcome.

use std::future::Future;
use std::time::Duration;

use super::lock::SenderLock;
use super::{Delivery, Kind};
use crate::db::Db;
use crate::error::Result;
use crate::workers::{Pass, Wake, Worker, blocking};

/// Deliveries taken at a time.
const BATCH: i64 = 20;
/// How often the outbox is read when no commit in this process wakes the sender.
const POLL: Duration = Duration::from_secs(1);

/// How a delivery went.
#[derive(Debug)]
pub enum Outcome {
    Sent,
    /// Worth trying again later: the peer was unreachable or answered "not now".
    Retry(String),
    /// Refused for good (a 5xx answer, or a delivery that cannot be made).
    Refused(String),
}

/// What carries one kind of delivery to its peer.
pub trait Courier: Send + 'static {
    /// The sender's name in logs, metrics and the status page.
    fn name(&self) -> &'static str;
    /// The kind it carries.
    fn kind(&self) -> Kind;
    /// The class of its sender lock: one process per database sends each kind.
    fn lock_class(&self) -> i32;
    /// Delivers `delivery` (outbox row `id`).
    fn deliver(&mut self, id: i64, delivery: &Delivery) -> impl Future<Output = Outcome> + Send;
}

/// Sends the outbox's deliveries of one kind: a worker of the process.
pub struct OutboxWorker<C> {
    db: Db,
    courier: C,
    max_attempts: i32,
    /// Taken out while a blocking check of the lock runs.
    lock: Option<SenderLock>,
    url: String,
}

impl<C: Courier> OutboxWorker<C> {
    /// Sends with `courier` from the outbox of `db` (at `url`, for the lock's own connection).
    pub fn new(db: &Db, url: &str, courier: C, max_attempts: i32) -> OutboxWorker<C> {
        let lock = SenderLock::new(url, db.backend(), courier.lock_class());
        OutboxWorker {
            db: db.clone(),
            courier,
            max_attempts,
            lock: Some(lock),
            url: url.to_string(),
        }
    }

    /// Whether this process holds the lock of this kind (checked off the async threads).
    async fn holds_lock(&mut self) -> bool {
        let fresh = || SenderLock::new(&self.url, self.db.backend(), self.courier.lock_class());
        let mut lock = self.lock.take().unwrap_or_else(fresh);
        let checked = tokio::task::spawn_blocking(move || {
            let held = lock.hold();
            (lock, held)
        })
        .await;
        match checked {
            Ok((lock, held)) => {
                self.lock = Some(lock);
                held
            }
            Err(error) => {
                tracing::error!(sender = self.courier.name(), %error, "sender lock check panicked; starting over");
                false
            }
        }
    }
}

impl<C: Courier> Worker for OutboxWorker<C> {
    fn name(&self) -> &'static str {
        self.courier.name()
    }

    fn wake(&self) -> Wake {
        Wake::OnCommit(POLL)
    }

    async fn pass(&mut self) -> Result<Pass> {
        if !self.holds_lock().await {
            return Ok(Pass::default());
        }
        let (db, kind) = (self.db.clone(), self.courier.kind());
        let due = blocking(move || db.read(|conn| super::due(conn, kind, BATCH))).await?;
        for taken in &due {
            let outcome = match &taken.delivery {
                Ok(delivery) => self.courier.deliver(taken.id, delivery).await,
                Err(problem) => Outcome::Refused(problem.clone()),
            };
            let sender = self.courier.name();
            match &outcome {
                Outcome::Sent => tracing::info!(sender, id = taken.id, "delivered"),
                Outcome::Retry(error) => {
                    tracing::warn!(sender, id = taken.id, %error, "delivery delayed")
                }
                Outcome::Refused(error) => {
                    tracing::error!(sender, id = taken.id, %error, "delivery refused")
                }
            }
            let (db, id, attempts, max) =
                (self.db.clone(), taken.id, taken.attempts, self.max_attempts);
            // Quietly: recording an attempt must not wake the workers again.
            blocking(move || {
                db.write_quietly(|conn| super::record(conn, id, attempts, &outcome, max))
            })
            .await?;
        }
        Ok(Pass {
            more: !due.is_empty(),
            position: None,
        })
    }
}

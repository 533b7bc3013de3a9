//! The workers runtime: every background task of a process, started in one place
//! ([`App::spawn_workers`](crate::App::spawn_workers)) and stopped by one signal.
//!
//! A task is a [`Worker`]: passes of work with waits between them. Most are one of two shapes:
//! - a [`Consumer`] applies the events log in batches, moving its stored cursor in the batch's
//!   transaction (the notifier; webhooks and previews later);
//! - a [`Periodic`] task runs on a timer (digest schedule, guest sweep, live heartbeats).
//!
//! Projections that keep their own position (the search index records it in its commits, the
//! live hub in memory) and the outbox's senders (`crate::outbox::OutboxWorker`) implement
//! [`Worker`] themselves. The loop around all of
//! them is [`run`]: a pass, then a wait for a commit in this process (the log's tails: for the
//! log to grow), the poll or period, or
//! the stop signal; a failed pass is logged, recorded in the [`Status`] board (shown at
//! `/metrics` and `/admin/workers`) and tried again after the wait.

mod consumer;
mod periodic;
mod status;

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use crate::db::Db;
use crate::error::Result;
use crate::events::{Topic, Wakeup};

pub use consumer::{Appended, Consumed, Consumer, ConsumerWorker, consume_batch};
pub use periodic::{Periodic, PeriodicWorker};
pub use status::{Board, Status, WorkerLine, WorkerReport};

/// When a worker runs its next pass after one that left nothing waiting.
#[derive(Clone, Copy, Debug)]
pub enum Wake {
    /// After a commit in this process, or after this long at most (for other processes).
    OnCommit(Duration),
    /// After the events log grew by a write of this process, or after this long at most (for
    /// other processes): for the log's tails, which a write's commit on PostgreSQL would wake
    /// before its events are in the log.
    OnLog(Duration),
    /// After this long.
    Every(Duration),
}

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// More work is waiting: run again at once.
    pub more: bool,
    /// For tails of the events log: the last event id applied, for the lag on the board.
    pub position: Option<i64>,
}

/// A background task of the process.
pub trait Worker: Send + 'static {
    /// Its name in logs, metrics and the status page.
    fn name(&self) -> &'static str;
    /// When it runs again after a pass that left nothing waiting.
    fn wake(&self) -> Wake;
    /// One pass of work. Blocking work goes to [`blocking`] inside.
    fn pass(&mut self) -> impl Future<Output = Result<Pass>> + Send;
    /// Called once when the workers stop.
    fn stopped(&mut self) {}
}

/// The stop signal every worker watches: `true`, or the sender dropped, stops them.
pub type Stop = watch::Receiver<bool>;

/// Runs `worker` on the current runtime until `stop`; reports each pass to `status`.
pub fn spawn(db: &Db, status: &Status, worker: impl Worker, stop: Stop) {
    let (db, status) = (db.clone(), status.clone());
    tokio::spawn(run(db, status, worker, stop));
}

/// The one loop around every worker.
pub async fn run(db: Db, status: Status, mut worker: impl Worker, mut stop: Stop) {
    let name = worker.name();
    status.register(name);
    // Every worker's wake is one kind for its whole life.
    let wake = worker.wake();
    let topic = match wake {
        Wake::OnLog(_) => Topic::Log,
        Wake::OnCommit(_) | Wake::Every(_) => Topic::Writes,
    };
    let mut wakeups = db.wakeup().subscribe(topic);
    while !*stop.borrow() {
        wakeups.mark_unchanged();
        let more = match worker.pass().await {
            Ok(pass) => {
                status.passed(name, pass.position);
                pass.more
            }
            Err(error) => {
                tracing::warn!(worker = name, %error, "worker pass failed; retrying");
                status.failed(name, &error.detail);
                false
            }
        };
        if more {
            continue;
        }
        let wait = async {
            match wake {
                Wake::OnCommit(poll) | Wake::OnLog(poll) => Wakeup::wait(&mut wakeups, poll).await,
                Wake::Every(period) => tokio::time::sleep(period).await,
            }
        };
        tokio::select! {
            _ = wait => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    worker.stopped();
    tracing::debug!(worker = name, "worker stopped");
}

/// Runs blocking `work` off the async threads; a panic in it is an internal error.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|panic| crate::error::Error::internal(format!("worker panicked: {panic}")))?
}

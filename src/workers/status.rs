//! The status board: how each worker of this process is doing, for `/metrics` and the admin
//! page. Workers write to it after every pass; readers take a copy.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{NaiveDateTime, Utc};

use crate::access::Viewer;
use crate::db::DbConnection;
use crate::error::Result;
use crate::outbox::{self, Depth};

/// Shared by the workers and the pages that show them.
#[derive(Clone, Debug, Default)]
pub struct Status {
    board: Arc<Mutex<BTreeMap<&'static str, WorkerReport>>>,
}

/// One worker's line on the board.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub name: &'static str,
    /// Passes that ended well, and those that failed.
    pub passes: u64,
    pub failures: u64,
    /// For tails of the events log: the last event id applied.
    pub position: Option<i64>,
    pub last_pass_at: Option<NaiveDateTime>,
    /// The last failure and when, until a pass ends well again.
    pub last_error: Option<(NaiveDateTime, String)>,
}

impl Status {
    fn lines(&self) -> MutexGuard<'_, BTreeMap<&'static str, WorkerReport>> {
        // Nothing panics under the lock; a poisoned board still holds consistent lines.
        self.board.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn register(&self, name: &'static str) {
        self.lines().entry(name).or_insert_with(|| WorkerReport {
            name,
            ..WorkerReport::default()
        });
    }

    pub(super) fn passed(&self, name: &'static str, position: Option<i64>) {
        if let Some(report) = self.lines().get_mut(name) {
            report.passes += 1;
            report.position = position.or(report.position);
            report.last_pass_at = Some(Utc::now().naive_utc());
            report.last_error = None;
        }
    }

    pub(super) fn failed(&self, name: &'static str, error: &str) {
        if let Some(report) = self.lines().get_mut(name) {
            report.failures += 1;
            report.last_error = Some((Utc::now().naive_utc(), error.to_string()));
        }
    }

    /// Every worker's line, by name.
    pub fn reports(&self) -> Vec<WorkerReport> {
        self.lines().values().cloned().collect()
    }
}

/// The board with what only the database knows: how far behind the log each tail is, and
/// how much the outbox holds.
#[derive(Clone, Debug, Default)]
pub struct Board {
    /// The newest event id.
    pub head: i64,
    pub workers: Vec<WorkerLine>,
    /// By kind of delivery.
    pub outbox: Vec<Depth>,
}

/// A worker's report and its lag.
#[derive(Clone, Debug)]
pub struct WorkerLine {
    pub report: WorkerReport,
    /// Events not yet applied, for tails of the log.
    pub lag: Option<i64>,
}

impl Status {
    /// The board as of now, for a site admin (the status page).
    pub fn board_for(&self, conn: &mut DbConnection, viewer: &Viewer) -> Result<Board> {
        viewer.require_admin()?;
        self.board(conn)
    }

    /// The board as of now (for `/metrics`, which has its own rule).
    pub fn board(&self, conn: &mut DbConnection) -> Result<Board> {
        let head = crate::events::last_id(conn)?;
        let workers = self
            .reports()
            .into_iter()
            .map(|report| WorkerLine {
                lag: report.position.map(|p| (head - p).max(0)),
                report,
            })
            .collect();
        Ok(Board {
            head,
            workers,
            outbox: outbox::depth(conn)?,
        })
    }
}

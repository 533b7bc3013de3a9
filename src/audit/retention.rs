//! Retention of the audit log: once a day (and at start), entries older than
//! `audit.retention_days` are deleted. These are the only deletes the log ever sees.

use std::time::Duration;

use chrono::Utc;

use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::workers::{Periodic, blocking};

/// Deletes audit entries past their retention.
pub struct AuditRetention {
    pub db: Db,
    /// Days an entry is kept; 0 keeps every entry.
    pub days: u32,
}

impl Periodic for AuditRetention {
    fn name(&self) -> &'static str {
        "audit_retention"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(60 * 60)
    }

    async fn run(&mut self) -> Result<()> {
        let (db, days) = (self.db.clone(), self.days);
        blocking(move || db.write_quietly(|conn| purge(conn, days).map(|_| ()))).await
    }
}

/// Deletes the entries older than `days` days (none when `days` is 0); returns how many.
pub fn purge(conn: &mut DbConnection, days: u32) -> Result<usize> {
    if days == 0 {
        return Ok(0);
    }
    let cutoff = Utc::now().naive_utc() - chrono::Duration::days(i64::from(days));
    super::actions::purge_before(conn, cutoff)
}

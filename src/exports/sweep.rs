//! The end of an export: once past its time its archive leaves the store and the row is
//! `expired` (the download stops at its time already, sweep or not); temporary files that a
//! build cut short left behind go too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::State;
use crate::clock;
use crate::db::Db;
use crate::db::schema::user_exports;
use crate::error::Result;
use crate::files::store::Storage;
use crate::ids::ExportId;
use crate::workers::{Periodic, blocking};

/// How often the sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// A temporary archive untouched this long belongs to no running build (builds renew their
/// lease, and write, far more often).
const STALE_TEMP: Duration = Duration::from_secs(6 * 3600);

/// Expires the exports past their time at `now`: deletes each archive, then marks the row.
/// Returns how many expired.
pub async fn sweep(
    db: &Db,
    storage: &Storage,
    staging: &Path,
    now: NaiveDateTime,
) -> Result<usize> {
    let reader = db.clone();
    let due: Vec<(ExportId, Option<String>)> = blocking(move || {
        reader.read(|conn| {
            Ok(user_exports::table
                .filter(user_exports::state.eq(State::Ready.as_str()))
                .filter(user_exports::expires_at.le(now))
                .select((user_exports::id, user_exports::storage_key))
                .load(conn)?)
        })
    })
    .await?;
    let mut expired = 0;
    for (id, key) in due {
        // The file first: a crash in between leaves a ready row that the next sweep takes
        // again, never a row claiming a file that is kept.
        if let Some(key) = &key {
            storage.delete_export(key).await?;
        }
        let db = db.clone();
        expired += blocking(move || {
            db.write_quietly(|conn| {
                Ok(diesel::update(
                    user_exports::table
                        .filter(user_exports::id.eq(id))
                        .filter(user_exports::state.eq(State::Ready.as_str())),
                )
                .set((
                    user_exports::state.eq(State::Expired.as_str()),
                    user_exports::storage_key.eq(None::<String>),
                ))
                .execute(conn)?)
            })
        })
        .await?;
    }
    remove_stale_temporaries(staging);
    Ok(expired)
}

/// Temporary archives older than [`STALE_TEMP`]: left by a build that was cut short.
fn remove_stale_temporaries(staging: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > STALE_TEMP));
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The sweep as a periodic worker.
#[derive(Debug)]
pub struct ExportSweep {
    pub db: Db,
    pub storage: Storage,
    pub staging: PathBuf,
}

impl Periodic for ExportSweep {
    fn name(&self) -> &'static str {
        "export_sweep"
    }

    fn every(&self) -> Duration {
        SWEEP_EVERY
    }

    async fn run(&mut self) -> Result<()> {
        let expired = sweep(&self.db, &self.storage, &self.staging, clock::now()).await?;
        if expired > 0 {
            tracing::info!(expired, "exports expired");
        }
        Ok(())
    }
}

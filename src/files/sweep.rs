//! Removing files nobody can reach any more: those of posts and comments deleted longer ago
//! than the grace period, uploads left on nothing, contents no file uses, and staging files a
//! crash left behind.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::upload::Files;
use crate::clock;
use crate::db::Db;
use crate::db::schema::{attachments, blobs, users};
use crate::error::Result;
use crate::workers::{Periodic, blocking};

/// How often the sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// A content unused for this long goes: an upload of it in the meantime keeps it.
const UNUSED_HOURS: i64 = 1;

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub files: usize,
    pub contents: usize,
}

/// Sweeps as of `now`.
pub async fn sweep(db: &Db, files: &Files, now: NaiveDateTime) -> Result<Swept> {
    let settings = &files.settings;
    let gone_before = now - chrono::Duration::hours(settings.grace_hours);
    let orphaned_before = now - chrono::Duration::hours(settings.orphan_hours);
    let db2 = db.clone();
    let removed = blocking(move || {
        db2.write(|conn| {
            let gone =
                diesel::delete(attachments::table.filter(attachments::gone_at.lt(gone_before)))
                    .execute(conn)?;
            let photos = users::table
                .filter(users::photo_id.is_not_null())
                .select(users::photo_id.assume_not_null());
            let orphans = diesel::delete(
                attachments::table
                    .filter(attachments::post_id.is_null())
                    .filter(attachments::comment_id.is_null())
                    .filter(attachments::created_at.lt(orphaned_before))
                    .filter(attachments::id.ne_all(photos)),
            )
            .execute(conn)?;
            Ok(gone + orphans)
        })
    })
    .await?;
    let unused_before = now - chrono::Duration::hours(UNUSED_HOURS);
    let db2 = db.clone();
    let candidates: Vec<String> = blocking(move || {
        db2.read(|conn| Ok(unused(unused_before).select(blobs::sha256).load(conn)?))
    })
    .await?;
    let mut contents = 0;
    for sha256 in candidates {
        let (db, storage) = (db.clone(), files.storage.clone());
        let runtime = tokio::runtime::Handle::current();
        // The row stays locked while the bytes go: an upload of the same content waits for
        // the sweep to end, then records it anew and stores its bytes again.
        let deleted = blocking(move || {
            db.write(|conn| {
                let deleted =
                    diesel::delete(unused(unused_before).filter(blobs::sha256.eq(&sha256)))
                        .execute(conn)?;
                if deleted > 0 {
                    runtime.block_on(storage.delete(&sha256))?;
                }
                Ok(deleted)
            })
        })
        .await?;
        contents += deleted;
    }
    remove_stale_staging(files);
    Ok(Swept {
        files: removed,
        contents,
    })
}

/// Contents untouched since `before` that no file uses.
#[diesel::dsl::auto_type]
fn unused(before: NaiveDateTime) -> _ {
    blobs::table
        .filter(blobs::touched_at.lt(before))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            attachments::table.filter(attachments::blob.eq(blobs::sha256)),
        )))
}

/// Staging files older than a day: left by a crash mid-upload.
fn remove_stale_staging(files: &Files) {
    let Ok(entries) = std::fs::read_dir(files.staging()) else {
        return;
    };
    let day = Duration::from_secs(86_400);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > day));
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The sweep as a periodic worker.
#[derive(Debug)]
pub struct FileSweep {
    pub db: Db,
    pub files: Files,
}

impl Periodic for FileSweep {
    fn name(&self) -> &'static str {
        "file_sweep"
    }

    fn every(&self) -> Duration {
        SWEEP_EVERY
    }

    async fn run(&mut self) -> Result<()> {
        let swept = sweep(&self.db, &self.files, clock::now()).await?;
        if swept != Swept::default() {
            tracing::info!(?swept, "files swept");
        }
        Ok(())
    }
}

//! Building exports: a worker in every process takes the oldest export due, by a lease (a
//! conditional update, so two processes on one database never take the same export), and
//! builds it: the archive is written to a temporary file in `<data_dir>/exports/`, stored whole
//! under the export's key, and only then is the row made `ready`, with its email queued in the
//! same transaction.
//!
//! While it works the builder renews its lease every [`RENEW_EVERY`]; a process that dies
//! mid-build stops renewing, and once the lease has run out ([`LEASE`]) the next builder
//! takes the export again and builds it from scratch: nothing of the half-written file is
//! used (the sweep removes it), and the stored archive, if an earlier build got that far, is
//! replaced. A build that fails is tried again a little later, and after [`MAX_ATTEMPTS`]
//! builds the export is `failed` (she may ask again); one whose owner is gone fails at once.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::archive::{self, Source};
use super::model::{State, UserExport};
use super::views::{ExportView, download_path};
use crate::access::Scope;
use crate::clock;
use crate::config::Config;
use crate::db::schema::user_exports;
use crate::db::{Db, DbConnection};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::files::Files;
use crate::files::store::Storage;
use crate::ids::ExportId;
use crate::workers::{Pass, Wake, Worker, blocking};

/// How long a builder holds an export without renewing: past it, another starts it again.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(120);
/// How often a builder renews its lease while it works.
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// Builds of one export before it is given up.
pub const MAX_ATTEMPTS: i32 = 3;
/// How often exports are looked for when no commit in this process wakes the builder.
const POLL: Duration = Duration::from_secs(2);

/// Export `$id` while build `$attempt` holds it.
macro_rules! mine {
    ($id:expr, $attempt:expr) => {
        user_exports::table
            .filter(user_exports::id.eq($id))
            .filter(user_exports::state.eq(State::Building.as_str()))
            .filter(user_exports::attempts.eq($attempt))
    };
}

/// What a finished build left: the archive's key in the store and its size.
#[derive(Debug)]
pub struct Built {
    pub key: String,
    pub size: i64,
}

/// The builder of exports, a worker of every process.
#[derive(Clone, Debug)]
pub struct ExportBuilder {
    pub db: Db,
    pub files: Files,
    /// The site's public address, for the archive's ids and the email's link.
    pub base: String,
    pub keep_days: i64,
    /// Where archives are written before they are stored.
    pub staging: PathBuf,
}

impl ExportBuilder {
    pub fn new(db: &Db, files: &Files, config: &Config) -> Result<ExportBuilder> {
        let staging = staging_dir(config);
        std::fs::create_dir_all(&staging).map_err(Error::internal)?;
        Ok(ExportBuilder {
            db: db.clone(),
            files: files.clone(),
            base: config.public_url(),
            keep_days: config.exports.keep_days,
            staging,
        })
    }

    /// Takes the next export due and builds it; whether there was one.
    pub async fn build_next(&self) -> Result<bool> {
        let db = self.db.clone();
        let now = clock::now();
        // Quietly: taking an export must not wake every worker of the process.
        let claimed = blocking(move || db.write_quietly(|conn| claim(conn, now))).await?;
        let Some(export) = claimed else {
            return Ok(false);
        };
        tracing::info!(export = %export.id, attempt = export.attempts, "building an export");
        let outcome = self.build(&export).await;
        let db = self.db.clone();
        let (base, keep_days) = (self.base.clone(), self.keep_days);
        match outcome {
            Ok(built) => {
                tracing::info!(export = %export.id, size = built.size, "export ready");
                blocking(move || {
                    db.write(|conn| finish(conn, &export, &built, &base, keep_days, clock::now()))
                })
                .await?;
            }
            Err(error) => {
                tracing::warn!(export = %export.id, %error, "export build failed");
                let for_good = matches!(
                    error.kind,
                    ErrorKind::NotFound | ErrorKind::Unauthenticated | ErrorKind::Forbidden
                );
                blocking(move || {
                    db.write_quietly(|conn| {
                        failed(conn, &export, &error.detail, for_good, clock::now())
                    })
                })
                .await?;
            }
        }
        Ok(true)
    }

    /// Builds `export` as its owner may read things now.
    async fn build(&self, export: &UserExport) -> Result<Built> {
        let runtime = tokio::runtime::Handle::current();
        let (builder, export) = (self.clone(), export.clone());
        blocking(move || {
            let ExportBuilder {
                db,
                files,
                base,
                staging,
                ..
            } = &builder;
            let user = db
                .read(|conn| {
                    Ok(
                        crate::accounts::system::users_by_id(conn, &[export.user_id])?
                            .remove(&export.user_id),
                    )
                })?
                .filter(|user| user.is_active())
                .ok_or_else(|| Error::not_found("user"))?;
            let viewer = user.viewer();
            let scope = db.read(|conn| Scope::resolve(conn, &viewer))?;
            let temp = tempfile::Builder::new()
                .prefix(&format!("export-{}-", export.id))
                .suffix(".zip.partial")
                .tempfile_in(staging)
                .map_err(Error::internal)?;
            let mut lease = Lease {
                db: db.clone(),
                id: export.id,
                attempt: export.attempts,
                renewed: Instant::now(),
            };
            let source = Source {
                db,
                files,
                runtime: &runtime,
                base,
                user: &user,
                scope: &scope,
                now: clock::now(),
            };
            let out = BufWriter::new(temp.as_file().try_clone().map_err(Error::internal)?);
            let mut out = archive::write(&source, out, &mut || lease.keep())?;
            out.flush().map_err(Error::internal)?;
            temp.as_file().sync_all().map_err(Error::internal)?;
            let size = temp.as_file().metadata().map_err(Error::internal)?.len();
            lease.keep()?;
            let key = Storage::export_key(export.id);
            runtime.block_on(files.storage.put_object(&key, temp.path()))?;
            Ok(Built {
                key,
                size: i64::try_from(size).unwrap_or(i64::MAX),
            })
        })
        .await
    }
}

impl Worker for ExportBuilder {
    fn name(&self) -> &'static str {
        "export_builder"
    }

    fn wake(&self) -> Wake {
        Wake::OnCommit(POLL)
    }

    async fn pass(&mut self) -> Result<Pass> {
        let built = self.build_next().await?;
        Ok(Pass {
            more: built,
            position: None,
        })
    }
}

/// Where archives are written before they are stored.
pub fn staging_dir(config: &Config) -> PathBuf {
    config.data_dir.join("exports")
}

/// A builder's hold on the export it builds.
struct Lease {
    db: Db,
    id: ExportId,
    /// The build's number: the row is this build's while its `attempts` is this.
    attempt: i32,
    renewed: Instant,
}

impl Lease {
    /// Renews the lease when it is due; an error when another builder took the export.
    fn keep(&mut self) -> Result<()> {
        if self.renewed.elapsed() < RENEW_EVERY {
            return Ok(());
        }
        let (id, attempt) = (self.id, self.attempt);
        let renewed = self.db.write_quietly(|conn| {
            Ok(diesel::update(mine!(id, attempt))
                .set(user_exports::lease_until.eq(clock::now() + LEASE))
                .execute(conn)?)
        })?;
        if renewed == 0 {
            return Err(Error::new(
                ErrorKind::Unavailable,
                ErrorCode::Unavailable,
                "another builder took this export over",
            ));
        }
        self.renewed = Instant::now();
        Ok(())
    }
}

/// Takes the oldest export due at `now` (requested and not waiting for a retry, or building
/// under a lease that ran out) for a new build; `None` when there is none. An export whose
/// builds were cut short [`MAX_ATTEMPTS`] times is failed instead.
pub fn claim(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Option<UserExport>> {
    for _ in 0..8 {
        let requested = user_exports::state.eq(State::Requested.as_str()).and(
            user_exports::lease_until
                .is_null()
                .or(user_exports::lease_until.le(now)),
        );
        let abandoned = user_exports::state
            .eq(State::Building.as_str())
            .and(user_exports::lease_until.le(now));
        let due: Option<(ExportId, i32, String)> = user_exports::table
            .filter(requested.or(abandoned))
            .order(user_exports::id.asc())
            .select((
                user_exports::id,
                user_exports::attempts,
                user_exports::state,
            ))
            .first(conn)
            .optional()?;
        let Some((id, attempts, state)) = due else {
            return Ok(None);
        };
        let row = user_exports::table
            .filter(user_exports::id.eq(id))
            .filter(user_exports::attempts.eq(attempts))
            .filter(user_exports::state.eq(&state));
        if attempts >= MAX_ATTEMPTS {
            diesel::update(row)
                .set((
                    user_exports::state.eq(State::Failed.as_str()),
                    user_exports::finished_at.eq(now),
                    user_exports::lease_until.eq(None::<NaiveDateTime>),
                    user_exports::error.eq(format!("{attempts} builds did not finish")),
                ))
                .execute(conn)?;
            continue;
        }
        let taken = diesel::update(row)
            .set((
                user_exports::state.eq(State::Building.as_str()),
                user_exports::attempts.eq(attempts + 1),
                user_exports::started_at.eq(now),
                user_exports::lease_until.eq(now + LEASE),
            ))
            .execute(conn)?;
        if taken == 1 {
            return Ok(Some(
                user_exports::table
                    .find(id)
                    .select(UserExport::as_select())
                    .first(conn)?,
            ));
        }
    }
    Ok(None)
}

/// Makes `export` ready with `built`, if its build still holds it, and queues her email.
fn finish(
    conn: &mut DbConnection,
    export: &UserExport,
    built: &Built,
    base: &str,
    keep_days: i64,
    now: NaiveDateTime,
) -> Result<()> {
    let expires = now + chrono::Duration::days(keep_days);
    let done = diesel::update(mine!(export.id, export.attempts))
        .set((
            user_exports::state.eq(State::Ready.as_str()),
            user_exports::finished_at.eq(now),
            user_exports::expires_at.eq(expires),
            user_exports::lease_until.eq(None::<NaiveDateTime>),
            user_exports::size.eq(built.size),
            user_exports::storage_key.eq(&built.key),
            user_exports::error.eq(""),
        ))
        .execute(conn)?;
    if done == 0 {
        // Another builder took it over meanwhile: its own finish tells her.
        return Ok(());
    }
    let ready: UserExport = user_exports::table
        .find(export.id)
        .select(UserExport::as_select())
        .first(conn)?;
    let Some(user) =
        crate::accounts::system::users_by_id(conn, &[export.user_id])?.remove(&export.user_id)
    else {
        return Ok(());
    };
    let view = ExportView::of(&ready, now);
    let link = format!("{base}{}", download_path(&ready));
    let expires = ExportView::when(&expires.and_utc());
    let mail = super::letters::ready(&user.email, &link, &expires, &view.size_text())?;
    crate::mail::enqueue(conn, &mail)?;
    Ok(())
}

/// Records that a build of `export` failed with `reason`: tried again a little later while
/// builds remain, else (or `for_good`) failed.
fn failed(
    conn: &mut DbConnection,
    export: &UserExport,
    reason: &str,
    for_good: bool,
    now: NaiveDateTime,
) -> Result<()> {
    if for_good || export.attempts >= MAX_ATTEMPTS {
        diesel::update(mine!(export.id, export.attempts))
            .set((
                user_exports::state.eq(State::Failed.as_str()),
                user_exports::finished_at.eq(now),
                user_exports::lease_until.eq(None::<NaiveDateTime>),
                user_exports::error.eq(reason),
            ))
            .execute(conn)?;
    } else {
        let wait = chrono::Duration::seconds(30 * i64::from(export.attempts));
        diesel::update(mine!(export.id, export.attempts))
            .set((
                user_exports::state.eq(State::Requested.as_str()),
                user_exports::lease_until.eq(now + wait),
                user_exports::error.eq(reason),
            ))
            .execute(conn)?;
    }
    Ok(())
}

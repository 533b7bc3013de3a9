//! A digest run for one period: every user due gets at most one digest per period key.
//!
//! Users are taken in id order, a batch at a time. Each batch is composed from reads, then
//! written in one short transaction that claims each user's `digests` row and queues the email
//! and the "listed in a digest" marks with it. A claim that finds the row already there (an
//! earlier run, another process) queues nothing, so a run killed midway and run again sends
//! each user's digest exactly once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use serde::Serialize;

use super::compose::{Digest, compose};
use super::schedule::{self, Period};
use super::{letter, unsubscribe};
use crate::access::Viewer;
use crate::accounts::{self, User};
use crate::config::Config;
use crate::db::schema::{digests, memberships, users};
use crate::db::{Db, DbConnection};
use crate::error::{Error, Result};
use crate::ids::{PostId, UserId};
use crate::mail;
use crate::on_backend;
use crate::signals::seen::{self, How};
use crate::signing::Signer;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    /// `daily` or `weekly`.
    pub period: String,
    /// The local date, or the ISO week (`2026-W49`).
    pub period_key: String,
    /// Digests emailed.
    pub sent: usize,
    /// Users due who had nothing new: recorded, not emailed.
    pub empty: usize,
    /// Users whose digest could not be composed: logged and skipped (tried again next run).
    pub failed: usize,
}

/// Sends `period`'s digests now, whatever the hour (site admins only): what
/// `POST /api/v1/admin/digests/run` does.
pub fn run_now(
    db: &Db,
    config: &Config,
    signer: &Signer,
    viewer: &Viewer,
    period: Period,
    origin: &crate::audit::Origin,
) -> Result<RunReport> {
    let admin = viewer.require_admin()?.id;
    let report = run_period(db, config, signer, period, Utc::now())?;
    // Each digest goes out in its own transaction; the run is recorded once it is over.
    let ran = crate::audit::Entry::new(crate::audit::AuditAction::DigestsRun, Some(admin))
        .detail(serde_json::to_value(&report).map_err(crate::error::Error::internal)?);
    db.write(|conn| crate::audit::record(conn, origin, ran))?;
    Ok(report)
}

/// Sends `period`'s digests to every user due at `now` who has not had this period's yet.
pub fn run_period(
    db: &Db,
    config: &Config,
    signer: &Signer,
    period: Period,
    now: DateTime<Utc>,
) -> Result<RunReport> {
    let key = period.key(schedule::local(&config.digests, now));
    let mut report = RunReport {
        period: period.as_str().into(),
        period_key: key.clone(),
        ..RunReport::default()
    };
    let pause = Duration::from_millis(config.digests.pause_ms);
    let mut after = UserId(0);
    while let Some((last, users)) = db.read(|conn| due_batch(conn, period, &key, after, config))? {
        after = last;
        let (digests, failed) = compose_batch(db, config, &users, period, now.naive_utc())?;
        report.failed += failed;
        if !digests.is_empty() {
            let (sent, empty) =
                db.write(|conn| record_batch(conn, config, signer, &key, &digests))?;
            report.sent += sent;
            report.empty += empty;
        }
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
    Ok(report)
}

/// The next batch of users with an id above `after` who take `period`'s digest (their own
/// setting, or a group set to it) and have none for `key` yet; `None` when no user is left.
/// The id returned is where the next batch starts.
fn due_batch(
    conn: &mut DbConnection,
    period: Period,
    key: &str,
    after: UserId,
    config: &Config,
) -> Result<Option<(UserId, Vec<User>)>> {
    let limit = i64::try_from(config.digests.batch_size).unwrap_or(25);
    let this_period = digests::table
        .filter(digests::period.eq(period.as_str()))
        .filter(digests::period_key.eq(key));
    let own: Vec<UserId> = users::table
        .filter(users::digest.eq(period.as_str()))
        // Bots have no mailbox.
        .filter(users::kind.ne(crate::accounts::UserKind::Bot.as_str()))
        .filter(users::deactivated_at.is_null())
        .filter(users::id.gt(after))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            this_period.filter(digests::user_id.eq(users::id)),
        )))
        .order(users::id.asc())
        .limit(limit)
        .select(users::id)
        .load(conn)?;
    let by_group: Vec<UserId> = memberships::table
        .filter(memberships::email_frequency.eq(period.as_str()))
        .filter(memberships::user_id.gt(after))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            this_period.filter(digests::user_id.eq(memberships::user_id)),
        )))
        .order(memberships::user_id.asc())
        .limit(limit)
        .select(memberships::user_id)
        .load(conn)?;
    // A list cut by its limit is complete only up to its last id: stop the batch there, so
    // the next one starts where neither list skipped anybody.
    let horizon = |list: &[UserId]| {
        let full = list.len() >= config.digests.batch_size;
        list.last()
            .copied()
            .filter(|_| full)
            .unwrap_or(UserId(i64::MAX))
    };
    let cut = horizon(&own).min(horizon(&by_group));
    let mut ids: Vec<UserId> = own
        .into_iter()
        .chain(by_group)
        .filter(|&id| id <= cut)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(config.digests.batch_size);
    let Some(&last) = ids.last() else {
        return Ok(None);
    };
    let mut people = accounts::system::users_by_id(conn, &ids)?;
    let users = ids
        .iter()
        .filter_map(|id| people.remove(id))
        .filter(User::is_active)
        .collect();
    Ok(Some((last, users)))
}

/// Each user's digest, covering what came since their last one of this period (at most
/// two periods back; a first digest looks back one period). The configured number of workers
/// compose a share of the batch each, on their own connections: composing is all reads.
///
/// A reader whose digest cannot be composed is logged and left out (her digest is not
/// claimed, so the next run tries again); one reader must not stop everyone's digest. Also
/// returns how many were left out.
fn compose_batch(
    db: &Db,
    config: &Config,
    users: &[User],
    period: Period,
    now: NaiveDateTime,
) -> Result<(Vec<Digest>, usize)> {
    let last = db.read(|conn| last_sent(conn, users, period))?;
    let oldest = now - period.length() * 2;
    let since = |user: &User| match last.get(&user.id).copied().flatten() {
        Some(at) => at.max(oldest),
        None => now - period.length(),
    };
    let share = users.len().div_ceil(config.digests.workers.max(1)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = users
            .chunks(share)
            .map(|part| {
                scope.spawn(|| {
                    db.read(|conn| {
                        Ok(part
                            .iter()
                            .map(|user| {
                                compose(conn, config, user, period, since(user), now).map_err(
                                    |error| tracing::error!(user = user.id.0, %error, "digest skipped: it could not be composed"),
                                )
                            })
                            .collect::<Vec<_>>())
                    })
                })
            })
            .collect();
        let (mut composed, mut failed) = (Vec::with_capacity(users.len()), 0);
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| Error::internal("a digest worker panicked"))??;
            for digest in part {
                match digest {
                    Ok(digest) => composed.push(digest),
                    Err(()) => failed += 1,
                }
            }
        }
        Ok((composed, failed))
    })
}

/// When each of `users` last had a digest of `period`.
fn last_sent(
    conn: &mut DbConnection,
    users: &[User],
    period: Period,
) -> Result<HashMap<UserId, Option<NaiveDateTime>>> {
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    Ok(digests::table
        .filter(digests::period.eq(period.as_str()))
        .filter(digests::user_id.eq_any(&ids))
        .group_by(digests::user_id)
        .select((digests::user_id, max(digests::created_at)))
        .load(conn)?
        .into_iter()
        .collect())
}

/// Claims, queues and marks each digest of a batch in the caller's transaction; returns how
/// many were emailed and how many were empty.
fn record_batch(
    conn: &mut DbConnection,
    config: &Config,
    signer: &Signer,
    key: &str,
    batch: &[Digest],
) -> Result<(usize, usize)> {
    let now = Utc::now().naive_utc();
    let (mut sent, mut empty) = (0, 0);
    for digest in batch {
        let row = (
            digests::user_id.eq(digest.user_id),
            digests::period.eq(digest.period.as_str()),
            digests::period_key.eq(key),
            digests::post_count.eq(i32::try_from(digest.items.len()).unwrap_or(i32::MAX)),
            digests::more_count.eq(i32::try_from(digest.more).unwrap_or(i32::MAX)),
            digests::created_at.eq(now),
        );
        let claimed = on_backend!(conn, |inner| diesel::insert_into(digests::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?;
        if claimed == 0 {
            continue;
        }
        if digest.items.is_empty() {
            empty += 1;
            continue;
        }
        let link = unsubscribe::link(config, signer, digest.user_id)?;
        let mail_id = mail::enqueue(conn, &letter::letter(config, digest, &link)?)?;
        diesel::update(digests::table.find((digest.user_id, digest.period.as_str(), key)))
            .set(digests::mail_id.eq(Some(mail_id)))
            .execute(conn)?;
        let listed: Vec<PostId> = digest.items.iter().map(|i| i.post_id).collect();
        seen::record(conn, digest.user_id, &listed, How::Digest)?;
        sent += 1;
    }
    Ok((sent, empty))
}

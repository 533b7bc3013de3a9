//! A guest's access ends: her sponsor is asked to extend it two weeks before; at expiry she
//! is deactivated; if her sponsor leaves, she is flagged for an admin to review. A task in the
//! server sweeps once a minute; each step is idempotent, so two sweeps never double an email.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;

use super::{extension, letters};
use crate::access::Scope;
use crate::accounts;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::config::Config;
use crate::db::schema::{guests, users};
use crate::db::{Db, DbConnection};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId};
use crate::mail;
use crate::signing::Signer;
use crate::workers::{Periodic, blocking};

/// How long before expiry the sponsor is asked to extend.
const REMIND_BEFORE_DAYS: i64 = 14;
/// Time between sweeps.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired: usize,
    pub reminded: usize,
    pub flagged: usize,
}

/// Expires, reminds and flags what is due now.
pub fn sweep(db: &Db, config: &Config, signer: &Signer) -> Result<Swept> {
    db.write(|conn| {
        let now = Utc::now().naive_utc();
        let mut swept = Swept::default();
        let expired: Vec<UserId> = guests::table
            .inner_join(users::table.on(users::id.eq(guests::user_id)))
            .filter(guests::expires_at.le(now))
            .filter(users::deactivated_at.is_null())
            .select(guests::user_id)
            .load(conn)?;
        for id in &expired {
            accounts::actions::deactivate(conn, None, *id, &Origin::system())?;
        }
        swept.expired = expired.len();

        let due: Vec<(UserId, UserId, chrono::NaiveDateTime, String)> = guests::table
            .inner_join(users::table.on(users::id.eq(guests::user_id)))
            .filter(guests::expires_at.le(now + chrono::Duration::days(REMIND_BEFORE_DAYS)))
            .filter(guests::reminded_at.is_null())
            .filter(users::deactivated_at.is_null())
            .select((
                guests::user_id,
                guests::sponsor_id,
                guests::expires_at,
                users::name,
            ))
            .load(conn)?;
        for (guest, sponsor, expires_at, name) in &due {
            let sponsor_user = accounts::system::users_by_id(conn, &[*sponsor])?.remove(sponsor);
            if let Some(sponsor_user) = sponsor_user.filter(|u| u.is_active()) {
                let token = extension::sign_link(signer, *guest, *sponsor, *expires_at)?;
                let link = format!("{}/guests/extend?token={token}", config.public_url());
                let days = (*expires_at - now).num_days().max(0);
                mail::enqueue(
                    conn,
                    &letters::extend_reminder(
                        &sponsor_user.email,
                        name,
                        days,
                        &link,
                        config.guests.guest_days,
                    )?,
                )?;
            }
            diesel::update(guests::table.find(guest))
                .set(guests::reminded_at.eq(Some(now)))
                .execute(conn)?;
        }
        swept.reminded = due.len();

        let orphaned: Vec<UserId> = guests::table
            .inner_join(users::table.on(users::id.eq(guests::sponsor_id)))
            .filter(users::deactivated_at.is_not_null())
            .filter(guests::needs_review.eq(false))
            .select(guests::user_id)
            .load(conn)?;
        diesel::update(guests::table.filter(guests::user_id.eq_any(&orphaned)))
            .set(guests::needs_review.eq(true))
            .execute(conn)?;
        swept.flagged = orphaned.len();
        Ok(swept)
    })
}

/// The sweep as a periodic worker, once a minute.
#[derive(Debug)]
pub struct GuestSweep {
    pub db: Db,
    pub config: Config,
    pub signer: Signer,
}

impl Periodic for GuestSweep {
    fn name(&self) -> &'static str {
        "guest_sweep"
    }

    fn every(&self) -> Duration {
        SWEEP_EVERY
    }

    async fn run(&mut self) -> Result<()> {
        let (db, config, signer) = (self.db.clone(), self.config.clone(), self.signer.clone());
        let swept = blocking(move || sweep(&db, &config, &signer)).await?;
        if swept != Swept::default() {
            tracing::info!(?swept, "guest access swept");
        }
        Ok(())
    }
}

/// Extends guest `id` by the configured period from now (site admins only), clearing the
/// reminder and any review flag; a guest whose access had ended gets it back. Sponsors extend
/// through their emailed link instead (`extension`), which can do less. Asked from `origin`.
pub fn extend(
    conn: &mut DbConnection,
    config: &Config,
    scope: &Scope,
    id: UserId,
    origin: &Origin,
) -> Result<chrono::NaiveDateTime> {
    let by = scope.viewer().require_admin()?.id;
    let until = Utc::now().naive_utc() + chrono::Duration::days(config.guests.guest_days);
    let changed = diesel::update(guests::table.find(id))
        .set((
            guests::expires_at.eq(until),
            guests::reminded_at.eq(None::<chrono::NaiveDateTime>),
            guests::needs_review.eq(false),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(Error::not_found("guest"));
    }
    accounts::actions::reactivate(conn, by, id, origin)?;
    let extended = Entry::new(AuditAction::GuestExtended, Some(by))
        .subject(Subject::User(id))
        .detail(serde_json::json!({"until": until.and_utc()}));
    audit::record(conn, origin, extended)?;
    Ok(until)
}

/// Ends guest `id`'s access now (admins only), asked from `origin`.
pub fn revoke(conn: &mut DbConnection, scope: &Scope, id: UserId, origin: &Origin) -> Result<()> {
    let admin = scope.viewer().require_admin()?.id;
    let known: Option<UserId> = guests::table
        .find(id)
        .select(guests::user_id)
        .first(conn)
        .optional()?;
    if known.is_none() {
        return Err(Error::not_found("guest"));
    }
    accounts::actions::deactivate(conn, Some(admin), id, origin)?;
    let revoked = Entry::new(AuditAction::GuestRevoked, Some(admin)).subject(Subject::User(id));
    audit::record(conn, origin, revoked)
}

/// A guest as the admin page lists her.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GuestRow {
    pub user: accounts::UserView,
    pub sponsor: Option<accounts::UserView>,
    /// The names of her groups that the admin may see.
    pub groups: Vec<String>,
    /// Her secret groups the admin is not in: counted, never named.
    pub unseen_groups: usize,
    pub expires_at: chrono::NaiveDateTime,
    pub needs_review: bool,
    /// The last time she signed in.
    pub last_seen_at: Option<chrono::NaiveDateTime>,
}

/// Every guest, soonest expiry first (admins only).
pub fn list(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<GuestRow>> {
    scope.viewer().require_admin()?;
    let rows: Vec<(UserId, UserId, chrono::NaiveDateTime, bool)> = guests::table
        .order(guests::expires_at.asc())
        .select((
            guests::user_id,
            guests::sponsor_id,
            guests::expires_at,
            guests::needs_review,
        ))
        .load(conn)?;
    let mut ids: Vec<UserId> = rows.iter().flat_map(|r| [r.0, r.1]).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = accounts::system::users_by_id(conn, &ids)?;
    let mut listed = Vec::new();
    for (guest, sponsor, expires_at, needs_review) in rows {
        let Some(user) = people.get(&guest).filter(|u| !u.is_deleted()) else {
            continue;
        };
        let group_ids: Vec<GroupId> = crate::groups::system::roles_of(conn, guest)?
            .into_keys()
            .collect();
        let (seen, unseen): (Vec<_>, Vec<_>) =
            crate::groups::system::groups_by_id(conn, &group_ids)?
                .into_values()
                .partition(|g| scope.sees_group(g));
        listed.push(GuestRow {
            user: accounts::UserView::of(user, scope.viewer()),
            sponsor: people
                .get(&sponsor)
                .map(|s| accounts::UserView::of(s, scope.viewer())),
            groups: seen.into_iter().map(|g| g.name).collect(),
            unseen_groups: unseen.len(),
            expires_at,
            needs_review,
            last_seen_at: accounts::sessions::last_sign_in(conn, guest)?,
        });
    }
    Ok(listed)
}

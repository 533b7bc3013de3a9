//! Passwordless sign-in: a one-time link by email, for guests always and for employees while
//! `auth.email_links_for_employees` allows it (turn it off once sign-in goes through the
//! company's identity provider). Everyone who asks gets the same answer, whether the address
//! is known, may use links or not; asking is limited per address and per client address. A
//! link works once, within `auth.email_link_minutes`; its token is stored hashed.

use chrono::{Duration, Utc};
use diesel::prelude::*;

use super::model::{User, UserKind};
use super::rate_limit::LoginLimiter;
use super::{actions, letters, queries, sessions};
use crate::config::AuthSettings;
use crate::db::schema::sign_in_links;
use crate::db::{Db, DbConnection, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::mail;

/// Where an emailed link leads, below the public URL.
pub const LINK_PATH: &str = "/sign-in/link";

/// Emails a sign-in link to `email` if its owner may sign in by link; answers the same in
/// every case but one: too many requests for the address or from `client_ip` (429), which
/// unknown addresses reach as soon as known ones.
pub fn request(
    db: &Db,
    limiter: &LoginLimiter,
    settings: &AuthSettings,
    public_url: &str,
    email: &str,
    client_ip: &str,
) -> Result<()> {
    let email = actions::normalize_email(email);
    // Every request counts and none is taken back (the attempt is dropped, never
    // `succeeded`): a link is mail sent on a stranger's word.
    let _counted = limiter.begin(&email, client_ip).map_err(|retry_after| {
        Error::new(
            ErrorKind::RateLimited { retry_after },
            ErrorCode::TooManyAttempts,
            "too many sign-in links asked for; wait and try again",
        )
    })?;
    db.write(|conn| {
        forget_old_links(conn)?;
        let Some(user) = queries::find_by_email(conn, &email)? else {
            return Ok(());
        };
        if !may_use_links(&user, settings) {
            return Ok(());
        }
        let token = sessions::random_secret();
        let now = Utc::now().naive_utc();
        let minutes = settings.email_link_minutes;
        diesel::insert_into(sign_in_links::table)
            .values((
                sign_in_links::id.eq(new_id()),
                sign_in_links::user_id.eq(user.id),
                sign_in_links::token_hash.eq(sessions::sha256_hex(&token)),
                sign_in_links::created_at.eq(now),
                sign_in_links::expires_at.eq(now + Duration::minutes(minutes)),
            ))
            .execute(conn)?;
        let link = format!("{public_url}{LINK_PATH}?token={token}");
        mail::enqueue(conn, &letters::sign_in_link(&user.email, &link, minutes)?)?;
        Ok(())
    })
}

/// Whether `user` may sign in by an emailed link.
fn may_use_links(user: &User, settings: &AuthSettings) -> bool {
    user.is_active()
        && user.kind() != UserKind::Bot
        && (user.kind() == UserKind::Guest || settings.email_links_for_employees)
}

/// Uses the link carrying `token`, from `origin`: once, before it expires, for an active user
/// who may still use links. Returns her; the audit log records her sign-in.
pub fn redeem(
    conn: &mut DbConnection,
    settings: &AuthSettings,
    token: &str,
    origin: &crate::audit::Origin,
) -> Result<User> {
    let now = Utc::now().naive_utc();
    let found: Option<(i64, crate::ids::UserId)> = sign_in_links::table
        .filter(sign_in_links::token_hash.eq(sessions::sha256_hex(token)))
        .filter(sign_in_links::used_at.is_null())
        .filter(sign_in_links::expires_at.gt(now))
        .select((sign_in_links::id, sign_in_links::user_id))
        .first(conn)
        .optional()?;
    let Some((id, user_id)) = found else {
        return Err(no_longer_valid());
    };
    // Marked used only if nobody used it in between: of two clicks, one signs in.
    let unused = sign_in_links::table
        .filter(sign_in_links::id.eq(id))
        .filter(sign_in_links::used_at.is_null());
    let used = diesel::update(unused)
        .set(sign_in_links::used_at.eq(Some(now)))
        .execute(conn)?;
    match queries::find(conn, user_id)? {
        Some(user) if used == 1 && may_use_links(&user, settings) => {
            use crate::audit::{AuditAction, Entry, Subject};
            let signed_in = Entry::new(AuditAction::SignInSucceeded, Some(user.id))
                .subject(Subject::User(user.id))
                .detail(serde_json::json!({"method": "link"}));
            crate::audit::record(conn, origin, signed_in)?;
            Ok(user)
        }
        _ => Err(no_longer_valid()),
    }
}

fn no_longer_valid() -> Error {
    Error::new(
        ErrorKind::Unauthenticated,
        ErrorCode::LinkNoLongerValid,
        "this sign-in link was used already or has expired; ask for a new one",
    )
}

/// Drops links that expired a day ago or more: they can only be refused.
fn forget_old_links(conn: &mut DbConnection) -> Result<()> {
    let old = Utc::now().naive_utc() - Duration::days(1);
    diesel::delete(sign_in_links::table.filter(sign_in_links::expires_at.lt(old))).execute(conn)?;
    Ok(())
}

/// Drops every sign-in link of `user` (a deleted account), used or not.
pub(super) fn forget(conn: &mut DbConnection, user: crate::ids::UserId) -> Result<()> {
    diesel::delete(sign_in_links::table.filter(sign_in_links::user_id.eq(user))).execute(conn)?;
    Ok(())
}

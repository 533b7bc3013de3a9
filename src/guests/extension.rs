//! The sponsor's emailed link that keeps a guest for another period. The link is a capability
//! sent by mail, so it is narrow: it names one reminder (the guest's expiry when it was sent),
//! works once (extending moves that expiry, which retires the link), and only while the guest
//! and her sponsor are both active and nobody flagged her for review. It never reactivates a
//! guest: an ended access (revoked, expired) comes back only through an admin.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts;
use crate::config::Config;
use crate::db::DbConnection;
use crate::db::schema::guests;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::UserId;
use crate::signing::Signer;

/// What the link carries.
#[derive(Debug, Serialize, Deserialize)]
struct ExtendClaims {
    purpose: String,
    guest: String,
    sponsor: String,
    /// The guest's expiry the reminder was about (seconds); also the link's own expiry.
    exp: i64,
}

const EXTEND: &str = "extend_guest";

/// The token of the link asking `sponsor` to extend `guest`, whose access ends at `expires_at`.
pub fn sign_link(
    signer: &Signer,
    guest: UserId,
    sponsor: UserId,
    expires_at: NaiveDateTime,
) -> Result<String> {
    signer.sign(&ExtendClaims {
        purpose: EXTEND.into(),
        guest: guest.to_string(),
        sponsor: sponsor.to_string(),
        exp: expires_at.and_utc().timestamp(),
    })
}

/// A link checked against the database: it still does what it says.
#[derive(Debug)]
pub struct UsableLink {
    pub guest: UserId,
    /// Her expiry the link is about.
    expires_at: NaiveDateTime,
    /// The guest's name, for the page.
    pub guest_name: String,
}

/// The guest `token` may extend now, or why not (404 for a link that is not genuine, 409 with
/// a readable reason for one that no longer works).
pub fn usable(conn: &mut DbConnection, signer: &Signer, token: &str) -> Result<UsableLink> {
    let refused = || Error::not_found("link");
    let claims: ExtendClaims = signer.verify(token).ok_or_else(refused)?;
    let guest: UserId = claims.guest.parse().map_err(|_| refused())?;
    let sponsor: UserId = claims.sponsor.parse().map_err(|_| refused())?;
    if claims.purpose != EXTEND {
        return Err(refused());
    }
    let row: Option<(UserId, NaiveDateTime, bool)> = guests::table
        .find(guest)
        .select((guests::sponsor_id, guests::expires_at, guests::needs_review))
        .first(conn)
        .optional()?;
    let (current_sponsor, expires_at, needs_review) = row.ok_or_else(refused)?;
    if current_sponsor != sponsor {
        return Err(refused());
    }
    if expires_at.and_utc().timestamp() != claims.exp {
        return Err(no_longer(
            "this link was already used, or the access was changed since it was sent",
        ));
    }
    let mut people = accounts::system::users_by_id(conn, &[guest, sponsor])?;
    let guest_user = people.remove(&guest).ok_or_else(refused)?;
    if !guest_user.is_active() {
        return Err(no_longer(
            "this guest's access has ended; an administrator can give it back",
        ));
    }
    if needs_review || !people.remove(&sponsor).is_some_and(|s| s.is_active()) {
        return Err(no_longer(
            "this guest is waiting for an administrator's review",
        ));
    }
    Ok(UsableLink {
        guest,
        expires_at,
        guest_name: guest_user.name,
    })
}

/// Extends the guest `token` names by the configured period from now, once, clicked from
/// `origin`; returns the new end of her access.
pub fn extend_by_link(
    conn: &mut DbConnection,
    config: &Config,
    signer: &Signer,
    token: &str,
    origin: &crate::audit::Origin,
) -> Result<NaiveDateTime> {
    let link = usable(conn, signer, token)?;
    let until = Utc::now().naive_utc() + chrono::Duration::days(config.guests.guest_days);
    // Only from the expiry the link names, so two clicks at once extend once.
    let changed = diesel::update(
        guests::table
            .find(link.guest)
            .filter(guests::expires_at.eq(link.expires_at)),
    )
    .set((
        guests::expires_at.eq(until),
        guests::reminded_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(no_longer("this link was already used"));
    }
    // Whoever holds the sponsor's emailed link; nobody is signed in.
    use crate::audit::{AuditAction, Entry, Subject};
    let extended = Entry::new(AuditAction::GuestExtended, None)
        .subject(Subject::User(link.guest))
        .detail(serde_json::json!({"until": until.and_utc(), "via": "sponsor_link"}));
    crate::audit::record(conn, origin, extended)?;
    Ok(until)
}

fn no_longer(detail: &'static str) -> Error {
    Error::conflict(ErrorCode::LinkNoLongerValid, detail)
}

//! One-click unsubscribe (RFC 8058): the signed link in every digest, and what following it
//! does — the reader's digests stop, personal and per group.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::accounts::actions::{self, ProfileUpdate};
use crate::accounts::{self, User};
use crate::config::Config;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::signals::frequency;
use crate::signing::Signer;

/// Days an unsubscribe link works: longer than any digest sits unread in an inbox.
const LINK_DAYS: i64 = 60;
const PURPOSE: &str = "unsubscribe";

/// What an unsubscribe link carries.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// Always `unsubscribe`, so no other signed token can stand in for one.
    purpose: String,
    user: String,
    exp: i64,
}

/// The one-click unsubscribe URL for `user_id`.
pub fn link(config: &Config, signer: &Signer, user_id: UserId) -> Result<String> {
    let token = signer.sign(&Claims {
        purpose: PURPOSE.into(),
        user: user_id.to_string(),
        exp: (Utc::now() + chrono::Duration::days(LINK_DAYS)).timestamp(),
    })?;
    Ok(format!("{}/unsubscribe?token={token}", config.public_url()))
}

/// The active user a genuine, unexpired unsubscribe token names.
pub fn holder(conn: &mut DbConnection, signer: &Signer, token: &str) -> Result<User> {
    let refused = || Error::not_found("link");
    let claims: Claims = signer.verify(token).ok_or_else(refused)?;
    if claims.purpose != PURPOSE {
        return Err(refused());
    }
    let id: UserId = claims.user.parse().map_err(|_| refused())?;
    accounts::system::users_by_id(conn, &[id])?
        .remove(&id)
        .filter(User::is_active)
        .ok_or_else(refused)
}

/// Turns off every digest of the token's holder: their own, and groups set to a digest
/// period (which then follow their own setting, now off). Repeating it changes nothing.
pub fn unsubscribe(conn: &mut DbConnection, signer: &Signer, token: &str) -> Result<User> {
    let user = holder(conn, signer, token)?;
    frequency::stop_group_digests(conn, user.id)?;
    if user.digest == "off" {
        return Ok(user);
    }
    let off = ProfileUpdate {
        digest: Some("off".into()),
        ..ProfileUpdate::default()
    };
    actions::update_profile(conn, &user.viewer(), &off)
}

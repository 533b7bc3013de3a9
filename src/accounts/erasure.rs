//! The end of an account: its row becomes a tombstone. Posts, comments, reports, likes and the
//! audit log name users by id, so the row stays, with every personal field wiped, a
//! placeholder name, an address and handle nobody has (so hers are free for a new account),
//! no password, and every credential gone: sessions, tokens, the feed token and sign-in
//! links. `deleted_at` marks it; nothing ever brings it back.

use diesel::prelude::*;

use super::model::{User, UserKind};
use super::{email_links, queries, sessions};
use crate::clock;
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::{Error, Result};
use crate::events::{self, Event};
use crate::ids::UserId;

/// The name a deleted account is shown under, wherever what she did is kept.
pub const PLACEHOLDER_NAME: &str = "Former member";
/// The domain of the addresses deleted accounts get: `.invalid` is reserved, no mail reaches it.
const PLACEHOLDER_DOMAIN: &str = "deleted.invalid";

/// Account `id` if it may be deleted: it exists, is a person's (bots are deactivated on the
/// bots page) and was not deleted already.
pub fn deletable(conn: &mut DbConnection, id: UserId) -> Result<User> {
    queries::find(conn, id)?
        .filter(|user| !user.is_deleted() && user.kind() != UserKind::Bot)
        .ok_or_else(|| Error::not_found("user"))
}

/// Whether an active admin other than `id` remains: the last one may not go.
pub fn another_admin_remains(conn: &mut DbConnection, id: UserId) -> Result<bool> {
    let others: i64 = users::table
        .filter(users::kind.eq(UserKind::Admin.as_str()))
        .filter(users::deactivated_at.is_null())
        .filter(users::id.ne(id))
        .count()
        .get_result(conn)?;
    Ok(others > 0)
}

/// Wipes account `id` into a tombstone on `by`'s behalf (none: Agora itself); returns the
/// placeholder address it now has. Whoever named her as their manager no longer does.
pub fn tombstone(conn: &mut DbConnection, id: UserId, by: Option<UserId>) -> Result<String> {
    let user = deletable(conn, id)?;
    let mark = hex::encode(rand::random::<[u8; 8]>());
    let email = format!("former-{mark}@{PLACEHOLDER_DOMAIN}");
    let now = clock::now();
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(&email),
            users::handle.eq(format!("former-{mark}")),
            users::name.eq(PLACEHOLDER_NAME),
            users::title.eq(""),
            users::department.eq(""),
            users::bio.eq(""),
            users::location.eq(""),
            users::phone.eq(""),
            users::pronouns.eq(""),
            users::time_zone.eq(""),
            users::manager_id.eq(None::<UserId>),
            users::photo_id.eq(None::<crate::ids::FileId>),
            // Never a valid hash: no password matches it.
            users::password_hash.eq(""),
            users::digest.eq("off"),
            users::deactivated_at.eq(Some(user.deactivated_at.unwrap_or(now))),
            users::deleted_at.eq(Some(now)),
        ))
        .execute(conn)?;
    diesel::update(users::table.filter(users::manager_id.eq(id)))
        .set(users::manager_id.eq(None::<UserId>))
        .execute(conn)?;
    sessions::revoke_all(conn, id)?;
    email_links::forget(conn, id)?;
    if user.is_active() {
        events::append(conn, &Event::UserDeactivated { by, user: id })?;
    }
    // Search and every cache of names re-read her: the placeholder from now on.
    events::append(
        conn,
        &Event::UserUpdated {
            by: by.unwrap_or(id),
            user: id,
        },
    )?;
    Ok(email)
}

//! The only public loaders of users: each applies the access policy, and what the viewer may
//! not see is reported exactly like what does not exist.

use base64::Engine;

use super::model::User;
use super::queries;
use crate::access::Viewer;
use crate::accounts::UserKind;
use crate::db::DbConnection;
use crate::error::{Error, Result};

/// User `id` if `viewer` may see them. Guests see only themselves until they share groups
/// with others (the groups area widens this).
pub fn visible_user(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> Result<User> {
    let principal = viewer.require_user()?;
    let user = queries::find(conn, id)?.ok_or_else(|| Error::not_found("user"))?;
    if principal.kind == UserKind::Guest && principal.id != id {
        return Err(Error::not_found("user"));
    }
    Ok(user)
}

/// The viewer's own row.
pub fn current_user(conn: &mut DbConnection, viewer: &Viewer) -> Result<User> {
    let principal = viewer.require_user()?;
    queries::find(conn, principal.id)?.ok_or_else(Error::unauthenticated)
}

/// One page of the people directory: active users matching `q` that `viewer` may see.
pub fn directory(
    conn: &mut DbConnection,
    viewer: &Viewer,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<User>, Option<String>)> {
    let principal = viewer.require_user()?;
    let cursor = cursor.map(decode_cursor).transpose()?;
    let own = [principal.id];
    let only = (principal.kind == UserKind::Guest).then_some(&own[..]);
    let mut users = queries::list_active(conn, q, only, cursor.as_ref(), limit + 1)?;
    let next = if users.len() as i64 > limit {
        users.truncate(limit as usize);
        users.last().map(|u| encode_cursor(&u.name, u.id))
    } else {
        None
    };
    Ok((users, next))
}

/// True while no account exists: the first-run setup is open.
pub fn setup_open(conn: &mut DbConnection) -> Result<bool> {
    Ok(!queries::any_exists(conn)?)
}

fn encode_cursor(name: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{id}:{name}"))
}

fn decode_cursor(cursor: &str) -> Result<(String, i64)> {
    let bad = || Error::bad_request("bad_cursor", "the cursor is not one this server gave out");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (id, name) = text.split_once(':').ok_or_else(bad)?;
    Ok((name.to_string(), id.parse().map_err(|_| bad())?))
}

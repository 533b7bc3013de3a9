//! Reads of accounts that do not ask a viewer's `Scope`. Every read on behalf of a viewer goes
//! through `access`; these serve the system itself (the notifier and digests naming people,
//! sign-in and setup before anyone is signed in) or callers that hold what they look up
//! already checked. Each says why it needs no scope: grep `system::` for every bypass.

use super::model::User;
use super::queries;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::UserId;
use std::collections::HashMap;

/// Users by id, for filling in authors and members of things the viewer may already read.
pub fn users_by_id(conn: &mut DbConnection, ids: &[UserId]) -> Result<HashMap<UserId, User>> {
    Ok(queries::find_many(conn, ids)?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// Active users by handle (lower-case), for resolving @mentions when a body is written: what a
/// reader is shown of a mention is decided for her (`posts::mention_links`).
pub fn users_by_handle(
    conn: &mut DbConnection,
    handles: &[String],
) -> Result<HashMap<String, User>> {
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(queries::find_by_handles(conn, handles)?
        .into_iter()
        .map(|u| (u.handle.to_lowercase(), u))
        .collect())
}

/// The account with `email` (normalised), whoever may see it: for sign-in-like checks before
/// anyone is signed in (accepting an invitation), which show nothing of it.
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>> {
    queries::find_by_email(conn, email)
}

/// True while no account exists: the first-run setup is open. Asked before anyone can be.
pub fn setup_open(conn: &mut DbConnection) -> Result<bool> {
    Ok(!queries::any_exists(conn)?)
}

//! Dismissing a recommendation: one click, and it is never suggested to her again.

use super::{Kind, queries};
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId};
use crate::{accounts, clock, groups, tags};

/// Dismisses the suggestion of `target` (a user's or group's id, or a tag's name) of `kind`
/// for the viewer; repeating changes nothing. A person or group she may not see is 404, as
/// if it did not exist; a tag name is created if new, as following it would, so a dismissal
/// tells nobody which tags exist.
pub fn dismiss_recommendation(
    conn: &mut DbConnection,
    scope: &Scope,
    kind: Kind,
    target: &str,
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let target_id = match kind {
        Kind::Person => {
            let id = target.parse().map_err(|_| Error::not_found("user"))?;
            accounts::access::visible_user(conn, scope, UserId(id))?
                .id
                .0
        }
        Kind::Group => {
            let id = target.parse().map_err(|_| Error::not_found("group"))?;
            groups::access::visible_group(conn, scope, GroupId(id))?
                .id
                .0
        }
        Kind::Tag => {
            let name = tags::actions::normalize(target)?;
            let ids = tags::actions::ensure_tags(conn, std::slice::from_ref(&name))?;
            ids.first()
                .copied()
                .ok_or_else(|| Error::not_found("tag"))?
        }
    };
    queries::insert_dismissal(conn, me, kind, target_id, clock::now())?;
    Ok(())
}

/// Drops the dismissals of `user` (a deleted account).
pub fn forget(conn: &mut DbConnection, user: UserId) -> Result<()> {
    use crate::db::schema::recommendation_dismissals;
    use diesel::prelude::*;
    diesel::delete(
        recommendation_dismissals::table.filter(recommendation_dismissals::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(())
}

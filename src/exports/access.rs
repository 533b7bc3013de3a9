//! The only loaders of exports. An export is its owner's alone: to anyone else, admins
//! included, it does not exist. A credential limited to some groups (a token for one group)
//! may not see or make one either: an export holds everything its owner may read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::UserExport;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::user_exports;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ExportId, UserId};

/// The person whose exports the viewer may handle: herself, with a credential for all of
/// her (403 for one limited to some groups, 401 when not signed in).
pub fn exporter(scope: &Scope) -> Result<UserId> {
    let principal = scope.viewer().require_user()?;
    if principal.limit.is_some() {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "a token limited to some groups cannot handle exports of everything; use your session or a full token",
        ));
    }
    Ok(principal.id)
}

/// Export `id`, if it is the viewer's own.
pub fn own_export(conn: &mut DbConnection, scope: &Scope, id: ExportId) -> Result<UserExport> {
    let me = exporter(scope).map_err(|_| Error::not_found("export"))?;
    user_exports::table
        .find(id)
        .filter(user_exports::user_id.eq(me))
        .select(UserExport::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("export"))
}

/// Export `id` as its owner downloads it: hers, ready, and not past its time at `now`.
pub fn downloadable_export(
    conn: &mut DbConnection,
    scope: &Scope,
    id: ExportId,
    now: NaiveDateTime,
) -> Result<UserExport> {
    let export = own_export(conn, scope, id)?;
    match export.downloadable(now) {
        true => Ok(export),
        false => Err(Error::not_found("export")),
    }
}

/// The viewer's exports, newest first, at most `limit`.
pub fn own_exports(conn: &mut DbConnection, scope: &Scope, limit: i64) -> Result<Vec<UserExport>> {
    let me = exporter(scope)?;
    Ok(user_exports::table
        .filter(user_exports::user_id.eq(me))
        .order(user_exports::id.desc())
        .limit(limit)
        .select(UserExport::as_select())
        .load(conn)?)
}

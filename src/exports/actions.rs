//! Asking for an export. The building, finishing and sweeping are the builder's and the
//! sweep's (`build`, `sweep`), which act for no viewer.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::access::{exporter, own_export};
use super::model::{State, UserExport};
use crate::access::Scope;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::config::ExportSettings;
use crate::db::schema::user_exports;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::ids::ExportId;

/// The window `exports.per_day` counts requests in.
const DAY: chrono::Duration = chrono::Duration::hours(24);

/// Asks for an export of the viewer's data at `now`. While one of hers is requested or being
/// built, that one is the answer (`false`: nothing new was made), so asking twice never makes
/// two; otherwise a new one (`true`), unless she asked `exports.per_day` times in the last 24
/// hours (429, with when she may ask again).
pub fn request_export(
    conn: &mut DbConnection,
    scope: &Scope,
    settings: &ExportSettings,
    now: NaiveDateTime,
    origin: &Origin,
) -> Result<(UserExport, bool)> {
    let me = exporter(scope)?;
    if scope.viewer().is_walled() && !scope.viewer().is_guest() {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "bots have no data of their own to take away",
        ));
    }
    let in_progress: Option<ExportId> = user_exports::table
        .filter(user_exports::user_id.eq(me))
        .filter(user_exports::state.eq_any([State::Requested.as_str(), State::Building.as_str()]))
        .select(user_exports::id)
        .first(conn)
        .optional()?;
    if let Some(id) = in_progress {
        return Ok((own_export(conn, scope, id)?, false));
    }
    let recent: Vec<NaiveDateTime> = user_exports::table
        .filter(user_exports::user_id.eq(me))
        .filter(user_exports::requested_at.gt(now - DAY))
        .order(user_exports::requested_at.asc())
        .select(user_exports::requested_at)
        .load(conn)?;
    if recent.len() as i64 >= settings.per_day {
        let oldest = recent.first().copied().unwrap_or(now);
        let wait = (oldest + DAY - now).num_seconds().max(1);
        return Err(Error::new(
            ErrorKind::RateLimited {
                retry_after: Duration::from_secs(u64::try_from(wait).unwrap_or(1)),
            },
            ErrorCode::ExportRateLimited,
            format!(
                "you asked for {} exports in the last 24 hours, the most allowed; try again later",
                recent.len()
            ),
        ));
    }
    let id = ExportId(new_id());
    diesel::insert_into(user_exports::table)
        .values((
            user_exports::id.eq(id),
            user_exports::user_id.eq(me),
            user_exports::state.eq(State::Requested.as_str()),
            user_exports::requested_at.eq(now),
        ))
        .execute(conn)?;
    let asked = Entry::new(AuditAction::DataExportRequested, Some(me))
        .subject(Subject::User(me))
        .detail(serde_json::json!({ "export_id": id.to_string() }));
    audit::record(conn, origin, asked)?;
    Ok((own_export(conn, scope, id)?, true))
}

/// Ends every export of `user` (a deleted account) at `now`: a ready one expires, so the
/// sweep deletes its archive and nobody can download it meanwhile (the download stops at its
/// time); one asked for or being built fails, so no build finishes it or mails her.
pub fn end_exports_of(
    conn: &mut DbConnection,
    user: crate::ids::UserId,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        user_exports::table
            .filter(user_exports::user_id.eq(user))
            .filter(user_exports::state.eq(State::Ready.as_str())),
    )
    .set(user_exports::expires_at.eq(Some(now)))
    .execute(conn)?;
    diesel::update(
        user_exports::table
            .filter(user_exports::user_id.eq(user))
            .filter(
                user_exports::state
                    .eq(State::Requested.as_str())
                    .or(user_exports::state.eq(State::Building.as_str())),
            ),
    )
    .set((
        user_exports::state.eq(State::Failed.as_str()),
        user_exports::finished_at.eq(Some(now)),
        user_exports::lease_until.eq(None::<NaiveDateTime>),
        user_exports::error.eq("the account was deleted"),
    ))
    .execute(conn)?;
    Ok(())
}

//! The audit log for admins: its entries, filtered and paged, and their JSONL export.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::{Page, PageQuery, blocking};
use crate::App;
use crate::audit::{self, AuditAction, AuditFilter, AuditItem};
use crate::error::{Result, invalid};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;

/// `?action=&actor=&since=&until=` with paging.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditQuery {
    /// An action's name, such as `sign_in.failed` (docs/audit.md lists them).
    pub action: Option<String>,
    /// Who did it: an id, an `@handle` or an email.
    pub actor: Option<String>,
    /// From this day (`2026-12-01`, UTC) or time (RFC 3339) on.
    pub since: Option<String>,
    /// Up to this day, inclusive (`2026-12-31`), or before this time (RFC 3339).
    pub until: Option<String>,
    /// Opaque, from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl AuditQuery {
    /// The filter the query asks for, checked; empty fields are no filter.
    pub fn filter(&self) -> Result<AuditFilter> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let action = match given(&self.action) {
            None => None,
            Some(name) => Some(
                AuditAction::parse(&name)
                    .ok_or_else(|| invalid("action", "no such action; docs/audit.md lists them"))?,
            ),
        };
        Ok(AuditFilter {
            action,
            actor: given(&self.actor),
            since: given(&self.since)
                .map(|v| moment(&v, "since", false))
                .transpose()?,
            until: given(&self.until)
                .map(|v| moment(&v, "until", true))
                .transpose()?,
        })
    }
}

/// A day (its start, or for `until` the start of the next) or an RFC 3339 time, as UTC.
fn moment(value: &str, field: &str, end_of_day: bool) -> Result<NaiveDateTime> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let day = if end_of_day {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.naive_utc())
        .map_err(|_| {
            invalid(
                field,
                "use a day like 2026-12-01 or a time like 2026-12-01T09:00:00Z",
            )
        })
}

#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Page<AuditItem>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
/// The audit log, newest first, filtered by action, actor and time (admins only). Entries
/// cannot be changed or deleted: there is no route that would.
pub async fn list_audit(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = query.filter()?;
    let limit = PageQuery {
        cursor: None,
        limit: query.limit,
    }
    .limit()?;
    let viewer = caller.viewer.clone();
    let page = blocking(move || {
        app.db.read(|conn| {
            audit::access::entries(conn, &viewer, &filter, query.cursor.as_deref(), limit)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/admin/audit/export", tag = "admin", params(AuditQuery),
    responses((status = 200, description = "one entry a line, newest first", content_type = "application/x-ndjson", body = String),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Every entry the filter picks as JSON Lines (admins only); `cursor` and `limit` are ignored.
/// The export is itself recorded.
pub async fn export_audit(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(jsonl(&app, &caller, &query).await?)
}

/// The JSONL answer of the export, shared with `/admin/audit.jsonl`.
pub async fn jsonl(
    app: &web::Data<App>,
    caller: &Caller,
    query: &AuditQuery,
) -> Result<HttpResponse> {
    let filter = query.filter()?;
    let (db, viewer, origin) = (app.db.clone(), caller.viewer.clone(), caller.origin.clone());
    let body =
        blocking(move || db.write(|conn| audit::export_jsonl(conn, &viewer, &filter, &origin)))
            .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit.jsonl\"",
        ))
        .body(body))
}

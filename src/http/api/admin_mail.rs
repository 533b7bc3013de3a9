//! Mail for admins: refused and waiting messages of the outbox, and queueing a refused one
//! again.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Page, PageQuery, blocking};
use crate::App;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::mail::admin::{self as mail, MailView, State};

/// `?state=failed|queued` with paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MailQuery {
    /// `failed` (refused for good, newest first; the default) or `queued` (not sent yet,
    /// oldest first).
    pub state: Option<String>,
    /// Opaque, from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/admin/mail", tag = "admin", params(MailQuery),
    responses((status = 200, body = Page<MailView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Refused or waiting mail, without bodies (admins only).
pub async fn list_mail(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, ApiError> {
    let MailQuery {
        state,
        cursor,
        limit,
    } = query.into_inner();
    let limit = PageQuery {
        cursor: None,
        limit,
    }
    .limit()?;
    let state = State::parse(state.as_deref().unwrap_or("failed"))?;
    let viewer = caller.viewer.clone();
    let (items, next_cursor) = blocking(move || {
        app.db
            .read(|conn| mail::list(conn, &viewer, state, cursor.as_deref(), limit))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(post, path = "/api/v1/admin/mail/{id}/retry", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = MailView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "the message was not refused", body = Problem)))]
/// Queues a refused message again, due now (admins only).
pub async fn retry_mail(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let viewer = caller.viewer.clone();
    let origin = caller.origin.clone();
    let view =
        blocking(move || app.db.write(|conn| mail::retry(conn, &viewer, id, &origin))).await?;
    Ok(HttpResponse::Ok().json(view))
}

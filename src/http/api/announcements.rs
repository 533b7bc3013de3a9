//! Announcements: the ones pinned for the caller, saying "read", and who has read one.

use actix_web::{HttpResponse, web};

use super::{Page, read, write};
use crate::App;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::PostId;
use crate::posts::PostView;
use crate::posts::announcements::{self, Board, ReadReport};
use crate::posts::views;

#[utoipa::path(get, path = "/api/v1/announcements", tag = "announcements",
    responses((status = 200, body = Page<PostView>), (status = 401, body = Problem)))]
/// The live announcements the caller has not dismissed: the company's and her groups'.
pub async fn pinned_announcements(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let items = read(&app, &caller, |conn, scope| {
        let posts = announcements::pinned(conn, scope, Board::Home)?;
        views::post_views(conn, scope, &posts)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/read", tag = "announcements", params(("id" = String, Path)),
    responses((status = 204, description = "read or dismissed"), (status = 404, body = Problem), (status = 409, description = "not an announcement", body = Problem)))]
/// Says the caller read an announcement (or dismisses it): it is no longer pinned for her.
pub async fn read_announcement(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        announcements::mark_read(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/posts/{id}/readers", tag = "announcements", params(("id" = String, Path)),
    responses((status = 200, body = ReadReport), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "not an announcement", body = Problem)))]
/// How many of its audience read an announcement, and who has not: for its author and the
/// moderators of its place.
pub async fn announcement_readers(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = read(&app, &caller, move |conn, scope| {
        announcements::read_report(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

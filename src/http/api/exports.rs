//! Exports of the caller's own data: ask for one, and list hers. The archive itself is served
//! at `/exports/{id}/download` (see `http::pages::settings`), to her alone.

use actix_web::{HttpResponse, web};

use super::{read, write};
use crate::App;
use crate::clock;
use crate::exports::{ExportView, access, actions};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;

/// Exports listed: the newest, which is all anyone needs (each expires within days).
const LISTED: i64 = 20;

#[utoipa::path(post, path = "/api/v1/me/exports", tag = "exports",
    responses(
        (status = 201, body = ExportView, description = "a new export, to be built in the background; an email tells when it is ready"),
        (status = 200, body = ExportView, description = "the caller's export already requested or being built: asking again makes no other"),
        (status = 403, body = Problem), (status = 429, body = Problem)))]
/// Asks for an export of the caller's data: a ZIP of her profile, posts, comments, likes,
/// follows and bookmarks (ActivityStreams 2.0 JSON), her attachments and a readable
/// `index.html`. One is made at a time; `exports.per_day` may be asked for in 24 hours.
pub async fn request_export(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let settings = app.config.exports.clone();
    let now = clock::now();
    let origin = caller.origin.clone();
    let (export, created) = write(&app, &caller, move |conn, scope| {
        actions::request_export(conn, scope, &settings, now, &origin)
    })
    .await?;
    let view = ExportView::of(&export, now);
    Ok(match created {
        true => HttpResponse::Created().json(view),
        false => HttpResponse::Ok().json(view),
    })
}

#[utoipa::path(get, path = "/api/v1/me/exports", tag = "exports",
    responses((status = 200, body = [ExportView]), (status = 403, body = Problem)))]
/// The caller's exports, newest first, with the address to download each while it is ready.
pub async fn list_exports(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let exports = read(&app, &caller, |conn, scope| {
        access::own_exports(conn, scope, LISTED)
    })
    .await?;
    let now = clock::now();
    let views: Vec<ExportView> = exports.iter().map(|e| ExportView::of(e, now)).collect();
    Ok(HttpResponse::Ok().json(views))
}

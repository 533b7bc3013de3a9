//! Notifications: the list (grouped), marking read, the unread count, per-kind settings and
//! muted threads.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery, read, write};
use crate::App;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Result, invalid};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::PostId;
use crate::signals::notifications;
use crate::signals::preferences::{self, Delivery, Kind};
use crate::signals::views::{self, NotificationView, PostRef};

#[utoipa::path(get, path = "/api/v1/notifications", tag = "signals", params(PageQuery),
    responses((status = 200, body = Page<NotificationView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// The caller's notifications, newest first; each groups everyone who did the same to the same
/// thing while it was unread ("Ann and 4 others liked your post").
pub async fn list_notifications(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let before = query
        .cursor
        .as_deref()
        .map(crate::cursor::decode)
        .transpose()?
        .map(|(_, id)| id);
    let (items, next_cursor) = read(&app, &caller, move |conn, scope| {
        views::page(conn, scope, before, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Which notifications to mark read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Notification ids; none: all of them.
    pub ids: Option<Vec<String>>,
}

/// The unread count after a change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Unread {
    pub unread: i64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "signals", request_body = MarkRead,
    responses((status = 200, body = Unread), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Marks the given notifications read, or all of them.
pub async fn mark_read(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<MarkRead>,
) -> Result<HttpResponse, ApiError> {
    let ids = body
        .into_inner()
        .ids
        .map(|ids| {
            ids.iter()
                .map(|id| {
                    id.parse()
                        .map_err(|_| invalid("ids", "not a notification id"))
                })
                .collect::<Result<Vec<i64>>>()
        })
        .transpose()?;
    let unread = write(&app, &caller, move |conn, scope| {
        notifications::mark_read(conn, scope, ids.as_deref())?;
        notifications::unread_count(conn, scope)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Unread { unread }))
}

#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "signals",
    responses((status = 200, body = Unread), (status = 401, body = Problem)))]
/// How many notifications the caller has not read.
pub async fn unread(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let unread = read(&app, &caller, notifications::unread_count).await?;
    Ok(HttpResponse::Ok().json(Unread { unread }))
}

/// The caller's notification settings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Settings {
    /// Per kind: `app`, `email` (at once, and in the app), `digest` (in the digest only) or
    /// `off`.
    pub kinds: BTreeMap<&'static str, Delivery>,
    /// Threads muted: no comment, like or group-post notifications of them.
    pub muted: Vec<PostRef>,
}

/// New choices per kind; kinds left out keep theirs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub kinds: BTreeMap<String, String>,
}

fn settings(
    conn: &mut DbConnection,
    scope: &Scope,
    kinds: Vec<(Kind, Delivery)>,
) -> Result<Settings> {
    let muted = preferences::muted_threads(conn, scope)?
        .iter()
        .map(|post| PostRef {
            id: post.id.to_string(),
            excerpt: views::excerpt(&post.body),
        })
        .collect();
    Ok(Settings {
        kinds: kinds.into_iter().map(|(k, d)| (k.as_str(), d)).collect(),
        muted,
    })
}

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "signals",
    responses((status = 200, body = Settings), (status = 401, body = Problem)))]
/// How each kind of notification reaches the caller, and the threads they muted.
pub async fn show_settings(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let found = read(&app, &caller, |conn, scope| {
        let me = scope.viewer().require_user()?.id;
        let kinds = preferences::settings_of(conn, me)?;
        settings(conn, scope, kinds)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "signals", request_body = SettingsChange,
    responses((status = 200, body = Settings), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Changes how some kinds of notification reach the caller.
pub async fn update_settings(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<SettingsChange>,
) -> Result<HttpResponse, ApiError> {
    let changes: Vec<(String, String)> = body.into_inner().kinds.into_iter().collect();
    let saved = write(&app, &caller, move |conn, scope| {
        let kinds = preferences::update_settings(conn, scope, &changes)?;
        settings(conn, scope, kinds)
    })
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/mute", tag = "signals", params(("id" = String, Path)),
    responses((status = 204, description = "muted"), (status = 401, body = Problem), (status = 404, body = Problem)))]
/// Mutes a post's thread for the caller: no more comment, like or group-post notifications of
/// it (mentions still come).
pub async fn mute_thread(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_mute(app, caller, id.into_inner(), true).await
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/mute", tag = "signals", params(("id" = String, Path)),
    responses((status = 204, description = "unmuted"), (status = 401, body = Problem), (status = 404, body = Problem)))]
/// Unmutes a post's thread.
pub async fn unmute_thread(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    set_mute(app, caller, id.into_inner(), false).await
}

async fn set_mute(
    app: web::Data<App>,
    caller: Caller,
    id: PostId,
    mute: bool,
) -> Result<HttpResponse, ApiError> {
    write(&app, &caller, move |conn, scope| {
        preferences::set_thread_mute(conn, scope, id, mute)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Bots (admins) and incoming webhooks (a group's owners and admins), and the incoming
//! webhook URL itself, which is served outside `/api/v1` and answers problem+json.

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::{blocking, read, write};
use crate::App;
use crate::bots::actions::{self, NewBot, NewToken};
use crate::bots::hooks::{self, NewHook};
use crate::bots::message;
use crate::bots::views::{BotView, CreatedHookView, HookView, IssuedTokenView};
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Caller, origin};
use crate::ids::{GroupId, UserId};
use crate::posts::PostView;
use crate::posts::views;

/// Largest body an incoming webhook accepts.
pub const MAX_HOOK_BODY: usize = 64 * 1024;

#[utoipa::path(post, path = "/api/v1/admin/bots", tag = "bots", request_body = NewBot,
    responses((status = 201, body = BotView), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Creates a bot account (admins only). Group owners and admins then add it to their groups
/// as a member, like anyone.
pub async fn create_bot(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<NewBot>,
) -> Result<HttpResponse, ApiError> {
    let viewer = caller.viewer.clone();
    let origin = caller.origin.clone();
    let bot = blocking(move || {
        app.db
            .write(|conn| actions::create_bot(conn, &viewer, &body, &origin))
    })
    .await?;
    Ok(HttpResponse::Created().json(bot))
}

#[utoipa::path(get, path = "/api/v1/admin/bots", tag = "bots",
    responses((status = 200, body = Vec<BotView>), (status = 403, body = Problem)))]
/// Every bot with its tokens (admins only).
pub async fn list_bots(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let viewer = caller.viewer.clone();
    let bots = blocking(move || app.db.read(|conn| actions::list_bots(conn, &viewer))).await?;
    Ok(HttpResponse::Ok().json(bots))
}

#[utoipa::path(get, path = "/api/v1/admin/bots/{id}", tag = "bots", params(("id" = String, Path)),
    responses((status = 200, body = BotView), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// One bot with its tokens (admins only).
pub async fn show_bot(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let (viewer, id) = (caller.viewer.clone(), id.into_inner());
    let bot = blocking(move || app.db.read(|conn| actions::show_bot(conn, &viewer, id))).await?;
    Ok(HttpResponse::Ok().json(bot))
}

#[utoipa::path(delete, path = "/api/v1/admin/bots/{id}", tag = "bots", params(("id" = String, Path)),
    responses((status = 204, description = "deactivated; its tokens revoked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Deactivates a bot (admins only): its tokens die at once; what it posted stays.
pub async fn deactivate_bot(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let (viewer, id) = (caller.viewer.clone(), id.into_inner());
    let origin = caller.origin.clone();
    blocking(move || {
        app.db
            .write(|conn| actions::deactivate_bot(conn, &viewer, id, &origin))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/admin/bots/{id}/tokens", tag = "bots", params(("id" = String, Path)),
    request_body = NewToken,
    responses((status = 201, body = IssuedTokenView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Issues a token to a bot (admins only): read and/or write, optionally limited to some of
/// its groups and expiring. The token is in this answer only.
pub async fn issue_bot_token(
    req: HttpRequest,
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let (viewer, id, origin) = (caller.viewer.clone(), id.into_inner(), origin(&req));
    let issued = blocking(move || {
        app.db
            .write(|conn| actions::issue_token(conn, &viewer, id, &body, &origin))
    })
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

#[utoipa::path(delete, path = "/api/v1/admin/bots/{id}/tokens/{token_id}", tag = "bots",
    params(("id" = String, Path), ("token_id" = String, Path)),
    responses((status = 204, description = "revoked"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Revokes a bot's token (admins only): requests with it fail at once.
pub async fn revoke_bot_token(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(UserId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, token_id) = path.into_inner();
    let viewer = caller.viewer.clone();
    let origin = caller.origin.clone();
    blocking(move || {
        app.db
            .write(|conn| actions::revoke_token(conn, &viewer, id, token_id, &origin))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/hooks", tag = "bots", params(("id" = String, Path)),
    request_body = NewHook,
    responses((status = 201, body = CreatedHookView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Makes an incoming webhook for a group (its owners and admins), with its own bot as a
/// member. The URL, secret included, is in this answer only.
pub async fn create_hook(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    body: web::Json<NewHook>,
) -> Result<HttpResponse, ApiError> {
    let (id, public_url) = (id.into_inner(), app.config.public_url());
    let origin = caller.origin.clone();
    let created = write(&app, &caller, move |conn, scope| {
        hooks::create_hook(conn, scope, id, &body, &public_url, &origin)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/hooks", tag = "bots", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HookView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// A group's incoming webhooks, revoked ones included (its owners and admins, site admins).
pub async fn list_hooks(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let listed = read(&app, &caller, move |conn, scope| {
        hooks::list_hooks(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(listed))
}

#[utoipa::path(delete, path = "/api/v1/groups/{id}/hooks/{hook_id}", tag = "bots",
    params(("id" = String, Path), ("hook_id" = String, Path)),
    responses((status = 204, description = "revoked: its URL answers 404"), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Revokes an incoming webhook: its URL answers 404 from now on; its posts stay.
pub async fn revoke_hook(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(GroupId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, hook_id) = path.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        hooks::revoke_hook(conn, scope, id, hook_id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/hooks/{id}/{secret}", tag = "bots", security(()),
    params(("id" = String, Path), ("secret" = String, Path)),
    request_body(content = message::Message, description = "JSON, or a form whose `payload` field holds the JSON (Slack-compatible)"),
    responses((status = 201, body = PostView), (status = 400, body = Problem), (status = 404, description = "no such hook, a wrong secret, or revoked", body = Problem),
              (status = 409, description = "the group is archived", body = Problem), (status = 413, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
/// An incoming webhook: `{"text": "…", "username": "…"}` becomes a post in the hook's group by
/// its bot. The URL is the credential; no session, no token.
pub async fn incoming_hook(
    req: HttpRequest,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, secret) = path.into_inner();
    let id: i64 = raw_id.parse().map_err(|_| Error::not_found("hook"))?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::bad_request(ErrorCode::InvalidBody, e.to_string()))?;
        if body.len() + chunk.len() > MAX_HOOK_BODY {
            return Err(Error::new(
                ErrorKind::TooLarge,
                ErrorCode::BodyTooLarge,
                format!("the body is larger than {MAX_HOOK_BODY} bytes"),
            )
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let message = message::parse_message(content_type.as_deref(), &body)?;
    let rules = app.config.link_rules();
    let state = app.clone();
    let view = blocking(move || {
        let db = &state.db;
        let post = db.write(|conn| {
            hooks::post_via_hook(conn, &rules, &state.hook_limiter, id, &secret, &message)
        })?;
        db.read(|conn| {
            let bot = crate::accounts::directory::find(conn, post.author_id)?
                .ok_or_else(|| Error::internal("hook's bot vanished"))?;
            let scope = crate::access::Scope::resolve(conn, &bot.viewer())?;
            Ok(views::post_views(conn, &scope, &[post])?.remove(0))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

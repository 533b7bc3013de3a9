//! Sessions and tokens: one's own, and (for admins) anyone's; signing out of one or all.

use actix_web::{HttpResponse, web};

use super::{Page, read, write};
use crate::App;
use crate::accounts::security::{self, CredentialView};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::UserId;

#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts",
    responses((status = 200, body = Page<CredentialView>)))]
/// The caller's browser sessions and API tokens, most recently used first; `current` marks
/// the one of this request.
pub async fn list_my_sessions(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let me = caller.user()?.id;
    list(&app, &caller, me).await
}

#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "accounts",
    responses((status = 204, description = "every session and token ended, this one too")))]
/// Signs out everywhere: every session and token of the caller, her feed token and live
/// streams end at once, this request's credential included.
pub async fn sign_out_everywhere(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let me = caller.user()?.id;
    everywhere(&app, &caller, me).await
}

#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204, description = "that session or token ended"), (status = 404, body = Problem)))]
/// Ends one of the caller's sessions or tokens.
pub async fn sign_out_session(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (me, id, origin) = (caller.user()?.id, id.into_inner(), caller.origin.clone());
    write(&app, &caller, move |conn, scope| {
        security::sign_out(conn, scope, me, id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = Page<CredentialView>)))]
/// A person's sessions and tokens (admins).
pub async fn list_user_sessions(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    list(&app, &caller, id.into_inner()).await
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users", params(("id" = String, Path)),
    responses((status = 204, description = "every session and token of the person ended")))]
/// Signs a person out everywhere (admins), without deactivating her.
pub async fn sign_out_user_everywhere(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    everywhere(&app, &caller, id.into_inner()).await
}

async fn list(
    app: &web::Data<App>,
    caller: &Caller,
    user: UserId,
) -> Result<HttpResponse, ApiError> {
    let current = caller.credential_id();
    let items = read(app, caller, move |conn, scope| {
        security::credentials(conn, scope, user, current)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

async fn everywhere(
    app: &web::Data<App>,
    caller: &Caller,
    user: UserId,
) -> Result<HttpResponse, ApiError> {
    let origin = caller.origin.clone();
    write(app, caller, move |conn, scope| {
        security::sign_out_everywhere(conn, scope, user, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! The caller's feed token: shown (made on first use), reset, revoked.

use actix_web::{HttpResponse, web};

use super::write;
use crate::App;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::UserId;
use crate::signals::atom_feeds::FeedAddresses;
use crate::signals::feed_tokens;

#[utoipa::path(get, path = "/api/v1/me/feed-token", tag = "feeds",
    responses((status = 200, body = FeedAddresses), (status = 401, body = Problem)))]
/// The caller's read-only feed token and feed addresses; the token is made on first use and
/// stays the same until reset or revoked.
pub async fn show_feed_token(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    addresses(app, caller, feed_tokens::issue).await
}

#[utoipa::path(post, path = "/api/v1/me/feed-token", tag = "feeds",
    responses((status = 200, body = FeedAddresses), (status = 401, body = Problem)))]
/// A new feed token; the previous one stops working.
pub async fn reset_feed_token(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    addresses(app, caller, feed_tokens::reset).await
}

#[utoipa::path(delete, path = "/api/v1/me/feed-token", tag = "feeds",
    responses((status = 204, description = "no feed token works any more"), (status = 401, body = Problem)))]
/// Revokes the caller's feed token.
pub async fn revoke_feed_token(
    app: web::Data<App>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    write(&app, &caller, |conn, scope| {
        feed_tokens::revoke(conn, scope.viewer().require_user()?.id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

type Issue = fn(
    &mut crate::db::DbConnection,
    &crate::signing::Signer,
    UserId,
) -> crate::error::Result<String>;

async fn addresses(
    app: web::Data<App>,
    caller: Caller,
    issue: Issue,
) -> Result<HttpResponse, ApiError> {
    let (signer, base) = (app.signer.clone(), app.config.public_url());
    let addresses = write(&app, &caller, move |conn, scope| {
        let token = issue(conn, &signer, scope.viewer().require_user()?.id)?;
        Ok(FeedAddresses::new(&base, token, scope))
    })
    .await?;
    Ok(HttpResponse::Ok().json(addresses))
}

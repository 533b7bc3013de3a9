//! Settings → Feeds: the reader's Atom feed addresses with their token, and making, resetting
//! and revoking that token. Looking at the page never makes a token; a button does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form;
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::signals::atom_feeds::{self, ReaderFeeds};
use crate::signals::feed_tokens;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/feeds", web::get().to(show))
        .route("/settings/feeds/reset", web::post().to(reset))
        .route("/settings/feeds/revoke", web::post().to(revoke));
}

#[derive(Template)]
#[template(path = "pages/settings/feeds.html")]
struct FeedsPage {
    layout: Layout,
    feeds: ReaderFeeds,
    notice: &'static str,
}

/// `?done=reset|revoked` after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

/// The form of both buttons.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ButtonForm {
    csrf: String,
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Feeds", Section::None)?;
    let (signer, base) = (app.signer.clone(), app.config.public_url());
    let feeds = read(&app, &caller, move |conn, scope| {
        atom_feeds::reader_feeds(conn, &signer, &base, scope)
    })
    .await?;
    let notice = match query.done.as_str() {
        "reset" => {
            "Your feed addresses changed: readers using the old ones must be given the new ones."
        }
        "revoked" => "Your feed token is revoked: no feed address works any more.",
        _ => "",
    };
    render(
        StatusCode::OK,
        &FeedsPage {
            layout,
            feeds,
            notice,
        },
    )
}

async fn reset(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let signer = app.signer.clone();
    write(&app, &caller, move |conn, scope| {
        feed_tokens::reset(conn, &signer, scope.viewer().require_user()?.id)
    })
    .await?;
    Ok(see_other("/settings/feeds?done=reset"))
}

async fn revoke(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    write(&app, &caller, |conn, scope| {
        feed_tokens::revoke(conn, scope.viewer().require_user()?.id)
    })
    .await?;
    Ok(see_other("/settings/feeds?done=revoked"))
}

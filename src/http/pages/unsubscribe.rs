//! `GET /unsubscribe?token=…` asks, `POST` does it: a digest's signed link turns its reader's
//! digests off. The POST also serves RFC 8058 one-click requests from mail clients (token in
//! the URL, body `List-Unsubscribe=One-Click`), so it needs no session and no CSRF token: the
//! signed token is the credential, and all it can do is stop emails.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, render};
use crate::App;
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::signals::digests::unsubscribe;

/// Registers the routes of this page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/unsubscribe", web::get().to(show))
        .route("/unsubscribe", web::post().to(confirm));
}

#[derive(Template)]
#[template(path = "pages/unsubscribe/show.html")]
struct UnsubscribePage {
    layout: Layout,
    token: String,
    name: String,
    done: bool,
}

/// `?token=…`, or the same field in a form body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenField {
    token: String,
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenField>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let checked = token.clone();
    let user = blocking(move || {
        app.db
            .read(|conn| unsubscribe::holder(conn, &app.signer, &checked))
    })
    .await?;
    let page = UnsubscribePage {
        layout: Layout::new(&req, "Unsubscribe", None, None),
        token,
        name: user.name,
        done: false,
    };
    render(StatusCode::OK, &page)
}

async fn confirm(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenField>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let mut token = query.into_inner().token;
    if token.is_empty() {
        // The page's form without a query (a one-click body carries no token of its own). A
        // signed token is URL-safe base64 and dots, which forms send as they are.
        token = std::str::from_utf8(&body)
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .unwrap_or_default()
            .to_string();
    }
    let user = blocking(move || {
        app.db
            .write(|conn| unsubscribe::unsubscribe(conn, &app.signer, &token))
    })
    .await?;
    let page = UnsubscribePage {
        layout: Layout::new(&req, "Unsubscribed", None, None),
        token: String::new(),
        name: user.name,
        done: true,
    };
    render(StatusCode::OK, &page)
}

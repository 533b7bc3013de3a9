//! Signing in by an emailed link: asking for one from the sign-in page, and the page the link
//! opens, whose button (not the link itself) signs in, so that a mail scanner that follows
//! links cannot use one up.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::{check_form_token, form_token, start_session_at, with_form_cookie};
use super::{Layout, render};
use crate::App;
use crate::accounts::email_links::{self, LINK_PATH};
use crate::accounts::sessions;
use crate::error::{Error, ErrorKind};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in/email", web::post().to(ask))
        .route(LINK_PATH, web::get().to(link_page))
        .route(LINK_PATH, web::post().to(use_link));
}

/// What every request for a link gets, whoever asked.
#[derive(Template)]
#[template(path = "pages/auth/link_sent.html")]
struct LinkSent {
    layout: Layout,
    email: String,
    minutes: i64,
}

/// The page an emailed link opens.
#[derive(Template)]
#[template(path = "pages/auth/use_link.html")]
struct UseLink {
    layout: Layout,
    token: String,
    message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AskForm {
    email: String,
    csrf: String,
}

async fn ask(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<AskForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let ip = extract::client_ip(&req);
    let (state, email) = (app.clone(), form.email.clone());
    blocking(move || {
        let public_url = state.config.public_url();
        let auth = &state.config.auth;
        email_links::request(
            &state.db,
            &state.link_limiter,
            auth,
            &public_url,
            &email,
            &ip,
        )
    })
    .await?;
    let page = LinkSent {
        layout: Layout::new(&req, "Check your email", None, Some(&form.csrf)),
        email: form.email,
        minutes: app.config.auth.email_link_minutes,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenForm {
    token: String,
    csrf: String,
}

async fn link_page(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (csrf, is_new) = form_token(&req);
    let page = UseLink {
        layout: Layout::new(&req, "Sign in", None, Some(&csrf)),
        token: query.into_inner().token,
        message: String::new(),
    };
    Ok(with_form_cookie(
        &app,
        render(StatusCode::OK, &page)?,
        csrf,
        is_new,
    ))
}

async fn use_link(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let (state, token) = (app.clone(), form.token.clone());
    let origin = extract::origin(&req);
    let opened = blocking(move || {
        let auth = &state.config.auth;
        state.db.write(|conn| {
            let user = email_links::redeem(conn, auth, &token, &origin)?;
            sessions::create_session(conn, user.id, auth.session_days, &origin)
        })
    })
    .await;
    match opened {
        Ok(session) => start_session_at(&app, &session, "/"),
        Err(
            error @ Error {
                kind: ErrorKind::Unauthenticated,
                ..
            },
        ) => {
            let page = UseLink {
                layout: Layout::new(&req, "Sign in", None, Some(&form.csrf)),
                token: String::new(),
                message: error.detail.clone(),
            };
            Ok(render(StatusCode::UNAUTHORIZED, &page)?)
        }
        Err(other) => Err(other.into()),
    }
}

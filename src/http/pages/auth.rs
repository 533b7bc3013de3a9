//! Sign-in, sign-out and the first-run setup page. Forms shown before sign-in are protected
//! by a double-submit CSRF cookie (shared with the emailed links' pages in `email_links`);
//! sign-out uses the session's own token.

use std::collections::BTreeMap;

use actix_web::cookie::time;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, cookie, render, see_other};
use crate::App;
use crate::accounts::UserKind;
use crate::accounts::actions::{self, Credential, Issued, NewAccount, Registration};
use crate::accounts::sessions::{self, Session};
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::{self, Caller, SESSION_COOKIE, SessionClaims, constant_time_eq};

/// Cookie holding the CSRF token of forms shown before sign-in.
const FORM_COOKIE: &str = "agora_form";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(sign_in_page))
        .route("/sign-in", web::post().to(sign_in))
        .route("/sign-out", web::post().to(sign_out))
        .route("/setup", web::get().to(setup_page))
        .route("/setup", web::post().to(setup));
}

#[derive(Template)]
#[template(path = "pages/auth/sign_in.html")]
struct SignInPage {
    layout: Layout,
    email: String,
    message: String,
    /// The label of the single sign-on button, when single sign-on is on.
    sso_label: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/auth/setup.html")]
struct SetupPage {
    layout: Layout,
    email: String,
    name: String,
    errors: BTreeMap<String, Vec<String>>,
    message: String,
}

impl SetupPage {
    fn errors_for(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    email: String,
    name: String,
    password: String,
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// The pre-sign-in form token: the cookie's, or a new one (set on the response).
pub(super) fn form_token(req: &HttpRequest) -> (String, bool) {
    match req.cookie(FORM_COOKIE) {
        Some(c) if !c.value().is_empty() => (c.value().to_string(), false),
        _ => (sessions::random_secret(), true),
    }
}

pub(super) fn check_form_token(req: &HttpRequest, sent: &str) -> Result<(), PageError> {
    match req.cookie(FORM_COOKIE) {
        Some(c) if constant_time_eq(c.value(), sent) => Ok(()),
        _ => Err(Error::forbidden(
            ErrorCode::CsrfFailed,
            "this form has expired; reload the page and try again",
        )
        .into()),
    }
}

pub(super) fn with_form_cookie(
    app: &App,
    mut response: HttpResponse,
    token: String,
    is_new: bool,
) -> HttpResponse {
    if is_new {
        let _ = response.add_cookie(&cookie(app, FORM_COOKIE, token, time::Duration::hours(12)));
    }
    response
}

/// Answers with the session cookie set and a 303 to the home page.
fn start_session(app: &App, session: &Session) -> Result<HttpResponse, PageError> {
    start_session_at(app, session, "/")
}

/// Answers with the session cookie set and a 303 to `to`.
pub(super) fn start_session_at(
    app: &App,
    session: &Session,
    to: &str,
) -> Result<HttpResponse, PageError> {
    let claims = SessionClaims {
        sid: session.id.to_string(),
        exp: session.expires_at.and_utc().timestamp(),
    };
    let jwt = app.signer.sign(&claims)?;
    let mut response = see_other(to);
    let days = i64::from(app.config.auth.session_days);
    let _ = response.add_cookie(&cookie(
        app,
        SESSION_COOKIE,
        jwt,
        time::Duration::days(days),
    ));
    Ok(response)
}

fn sso_label(app: &App) -> Option<String> {
    app.sso.as_ref().map(|sso| sso.button_label.clone())
}

async fn sign_in_page(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    if caller.user.is_some() {
        return Ok(see_other("/"));
    }
    let db = app.db.clone();
    if blocking(move || db.read(crate::accounts::system::setup_open)).await? {
        return Ok(see_other("/setup"));
    }
    let (token, is_new) = form_token(&req);
    let page = SignInPage {
        layout: Layout::new(&req, "Sign in", None, Some(&token)),
        email: String::new(),
        message: String::new(),
        sso_label: sso_label(&app),
    };
    Ok(with_form_cookie(
        &app,
        render(StatusCode::OK, &page)?,
        token,
        is_new,
    ))
}

async fn sign_in(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let origin = extract::origin(&req);
    let state = app.clone();
    let (email, password) = (form.email.clone(), form.password);
    let result = blocking(move || {
        actions::sign_in(
            &state.db,
            &state.limiter,
            &state.config,
            &email,
            &password,
            &origin,
            Credential::Session,
        )
    })
    .await;
    match result {
        Ok((_, Issued::Session(session))) => start_session(&app, &session),
        Ok((_, Issued::Token(_))) => Err(Error::internal("expected a session").into()),
        Err(
            error @ Error {
                kind:
                    ErrorKind::Unauthenticated | ErrorKind::Forbidden | ErrorKind::RateLimited { .. },
                ..
            },
        ) => {
            let page = SignInPage {
                layout: Layout::new(&req, "Sign in", None, Some(&form.csrf)),
                email: form.email,
                message: error.detail.clone(),
                sso_label: sso_label(&app),
            };
            let mut response = render(crate::http::error::status_of(error.kind), &page)?;
            if let ErrorKind::RateLimited { retry_after } = error.kind {
                let seconds = retry_after.as_secs().max(1).to_string();
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from_str(&seconds)
                        .map_err(Error::internal)?,
                );
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the session; one opened through the identity provider also goes on to the
/// provider's logout (RP-initiated), so signing out of Agora signs out there too.
async fn sign_out(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let mut to = "/sign-in".to_string();
    if let extract::Credential::Session(session) = &caller.credential {
        caller.verify_csrf(&form.csrf)?;
        let (db, id, me) = (app.db.clone(), session.id, session.user_id);
        let origin = caller.origin.clone();
        let id_token = blocking(move || {
            db.write(|conn| {
                let id_token = crate::sso::people::id_token_of(conn, id)?;
                sessions::revoke_session(conn, id, Some(me), &origin)?;
                Ok(id_token)
            })
        })
        .await?;
        if let (Some(sso), Some(id_token)) = (&app.sso, id_token) {
            // The provider being down must not keep anyone signed in here.
            match sso.end_session_url(&id_token).await {
                Ok(Some(url)) => to = url,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "provider logout skipped"),
            }
        }
    }
    let mut response = see_other(&to);
    let _ = response.add_removal_cookie(&cookie(
        &app,
        SESSION_COOKIE,
        String::new(),
        time::Duration::ZERO,
    ));
    Ok(response)
}

async fn setup_page(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let db = app.db.clone();
    if !blocking(move || db.read(crate::accounts::system::setup_open)).await? {
        return Ok(see_other("/sign-in"));
    }
    let (token, is_new) = form_token(&req);
    let page = SetupPage {
        layout: Layout::new(&req, "Create the first admin", None, Some(&token)),
        email: String::new(),
        name: String::new(),
        errors: BTreeMap::new(),
        message: String::new(),
    };
    Ok(with_form_cookie(
        &app,
        render(StatusCode::OK, &page)?,
        token,
        is_new,
    ))
}

async fn setup(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let account = NewAccount {
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password,
        kind: UserKind::Admin,
    };
    let origin = extract::origin(&req);
    let state = app.clone();
    let result = blocking(move || {
        let user = actions::register(
            &state.db,
            &state.config.auth,
            account,
            Registration::FirstAdmin,
            &origin,
        )?;
        let days = state.config.auth.session_days;
        state
            .db
            .write(|conn| sessions::create_session(conn, user.id, days, &origin))
    })
    .await;
    match result {
        Ok(session) => start_session(&app, &session),
        Err(Error {
            code: ErrorCode::AlreadySetUp,
            ..
        }) => Ok(see_other("/sign-in")),
        Err(error) if error.kind == ErrorKind::Invalid || error.kind == ErrorKind::Conflict => {
            let page = SetupPage {
                layout: Layout::new(&req, "Create the first admin", None, Some(&form.csrf)),
                email: form.email,
                name: form.name,
                message: error.detail.clone(),
                errors: error.fields,
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

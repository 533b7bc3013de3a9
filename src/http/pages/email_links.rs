//! The pages an emailed link opens before anyone is signed in: a guest accepting her
//! invitation (which makes her account and signs her in), and a sponsor extending a guest's
//! access. Their forms use the pre-sign-in CSRF cookie of `auth`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::{check_form_token, form_token, start_session_at, with_form_cookie};
use super::{Layout, render};
use crate::App;
use crate::accounts::sessions;
use crate::error::{Error, ErrorKind};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/invitations/accept", web::get().to(accept_page))
        .route("/invitations/accept", web::post().to(accept))
        .route("/guests/extend", web::get().to(extend_page))
        .route("/guests/extend", web::post().to(extend));
}

#[derive(Template)]
#[template(path = "pages/auth/accept.html")]
struct AcceptPage {
    layout: Layout,
    token: String,
    group: String,
    email: String,
    /// She has a guest account already: only her password is asked for.
    existing: bool,
    name: String,
    errors: BTreeMap<String, Vec<String>>,
    message: String,
}

impl AcceptPage {
    fn errors_for(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AcceptForm {
    token: String,
    name: String,
    password: String,
    csrf: String,
}

/// The acceptance form for the invitation in `token`: the group, her email, and what to fill.
async fn accept_form(
    app: &web::Data<App>,
    req: &HttpRequest,
    form: AcceptForm,
    csrf: &str,
) -> Result<AcceptPage, PageError> {
    let state = app.clone();
    let token = form.token.clone();
    let (group, email, existing) = blocking(move || {
        state.db.read(|conn| {
            let (invitation, group) = crate::guests::actions::usable(conn, &state.signer, &token)?;
            let existing =
                crate::accounts::system::user_by_email(conn, &invitation.email)?.is_some();
            Ok((group.name, invitation.email, existing))
        })
    })
    .await?;
    Ok(AcceptPage {
        layout: Layout::new(req, "Accept your invitation", None, Some(csrf)),
        token: form.token,
        group,
        email,
        existing,
        name: form.name,
        errors: BTreeMap::new(),
        message: String::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

async fn accept_page(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let (csrf, is_new) = form_token(&req);
    let form = AcceptForm {
        token: query.into_inner().token,
        ..AcceptForm::default()
    };
    let page = accept_form(&app, &req, form, &csrf).await?;
    Ok(with_form_cookie(
        &app,
        render(StatusCode::OK, &page)?,
        csrf,
        is_new,
    ))
}

async fn accept(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let origin = extract::origin(&req);
    let state = app.clone();
    let acceptance = crate::guests::actions::Acceptance {
        token: form.token.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
    };
    let result = blocking(move || {
        let (user, group_id) = crate::guests::actions::accept(
            &state.db,
            &state.config,
            &state.signer,
            &state.limiter,
            &origin,
            acceptance,
        )?;
        let days = state.config.auth.session_days;
        let session = state
            .db
            .write(|conn| sessions::create_session(conn, user.id, days, &origin))?;
        Ok((session, group_id))
    })
    .await;
    match result {
        Ok((session, group_id)) => start_session_at(&app, &session, &format!("/groups/{group_id}")),
        Err(
            error @ Error {
                kind:
                    ErrorKind::Invalid | ErrorKind::Unauthenticated | ErrorKind::RateLimited { .. },
                ..
            },
        ) => {
            let csrf = form.csrf.clone();
            let mut page = accept_form(&app, &req, form, &csrf).await?;
            page.message = error.detail.clone();
            page.errors = error.fields.clone();
            render(crate::http::error::status_of(error.kind), &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/auth/extend.html")]
struct ExtendPage {
    layout: Layout,
    token: String,
    guest: String,
    days: i64,
    /// Set once extended: the new end of her access.
    until: String,
}

/// The name of the guest a sponsor's extend link may still extend, for the page.
async fn extend_target(app: &web::Data<App>, token: &str) -> Result<String, PageError> {
    let state = app.clone();
    let token = token.to_string();
    Ok(blocking(move || {
        state
            .db
            .read(|conn| crate::guests::extension::usable(conn, &state.signer, &token))
            .map(|link| link.guest_name)
    })
    .await?)
}

/// What a sponsor's link opens: a button, since a link alone (which mail scanners follow)
/// must not change anything.
async fn extend_page(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let guest = extend_target(&app, &token).await?;
    let (csrf, is_new) = form_token(&req);
    let page = ExtendPage {
        layout: Layout::new(&req, "Extend guest access", None, Some(&csrf)),
        token,
        guest,
        days: app.config.guests.guest_days,
        until: String::new(),
    };
    Ok(with_form_cookie(
        &app,
        render(StatusCode::OK, &page)?,
        csrf,
        is_new,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtendForm {
    token: String,
    csrf: String,
}

async fn extend(
    app: web::Data<App>,
    req: HttpRequest,
    form: web::Form<ExtendForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    check_form_token(&req, &form.csrf)?;
    let guest = extend_target(&app, &form.token).await?;
    let (state, token) = (app.clone(), form.token.clone());
    let origin = extract::origin(&req);
    let until = blocking(move || {
        state.db.write(|conn| {
            crate::guests::extension::extend_by_link(
                conn,
                &state.config,
                &state.signer,
                &token,
                &origin,
            )
        })
    })
    .await?;
    let page = ExtendPage {
        layout: Layout::new(&req, "Extend guest access", None, Some(&form.csrf)),
        token: form.token,
        guest,
        days: app.config.guests.guest_days,
        until: until.format("%Y-%m-%d").to_string(),
    };
    render(StatusCode::OK, &page)
}

//! Administration of people (site admins only; everyone else gets a 403 page): the list of
//! active accounts, creating employees and admins, and deactivating an account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CsrfForm, CursorQuery, FieldErrors, PAGE_SIZE, Refused};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::accounts::actions::{self, NewAccount, Registration};
use crate::accounts::{UserKind, UserView, access};
use crate::guests::lifecycle::{self, GuestRow};
use crate::http::api::{blocking, read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::UserId;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(index))
        .route("/admin/users", web::post().to(create))
        .route("/admin/users/{id}/deactivate", web::post().to(deactivate))
        .route("/admin/guests", web::get().to(guests))
        .route("/admin/guests/{id}/extend", web::post().to(extend_guest))
        .route("/admin/guests/{id}/revoke", web::post().to(revoke_guest));
}

#[derive(Template)]
#[template(path = "pages/admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserView>,
    more: Option<String>,
    form: AccountForm,
    errors: FieldErrors,
}

/// The "create user" form, as typed (the password is never sent back).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AccountForm {
    csrf: String,
    email: String,
    name: String,
    password: String,
    kind: String,
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    let form = AccountForm {
        kind: "employee".into(),
        ..AccountForm::default()
    };
    list(&app, &req, &caller, query.into_inner().cursor, form, None).await
}

async fn list(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    cursor: Option<String>,
    mut form: AccountForm,
    refusal: Option<Refused>,
) -> Result<HttpResponse, PageError> {
    let (users, next) = read(app, caller, move |conn, scope| {
        access::people_for_admin(conn, scope, cursor.as_deref(), PAGE_SIZE)
    })
    .await?;
    let layout = Layout::signed_in(req, caller, "People admin", Section::None)?;
    let (status, errors) = match refusal {
        Some(r) => (r.status, r.errors),
        None => (StatusCode::OK, FieldErrors::default()),
    };
    form.password.clear();
    let page = UsersPage {
        users: users
            .iter()
            .map(|u| UserView::of(u, &caller.viewer))
            .collect(),
        more: form::more_link("/admin/users", next.as_deref()),
        layout,
        form,
        errors,
    };
    render(status, &page)
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let form = form.into_inner();
    let account = NewAccount {
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
        kind: match form.kind.as_str() {
            "admin" => UserKind::Admin,
            _ => UserKind::Employee,
        },
    };
    let (state, viewer, origin) = (app.clone(), caller.viewer.clone(), caller.origin.clone());
    let result = blocking(move || {
        actions::register(
            &state.db,
            &state.config.auth,
            account,
            Registration::ByAdmin(&viewer),
            &origin,
        )
    })
    .await;
    match result {
        Ok(_) => Ok(see_other("/admin/users")),
        Err(error) => {
            let refusal = form::refused(error)?;
            list(&app, &req, &caller, None, form, Some(refusal)).await
        }
    }
}

async fn deactivate(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    blocking(move || {
        app.db
            .write(|conn| actions::deactivate_user(conn, &viewer, id, &origin))
    })
    .await?;
    Ok(see_other("/admin/users"))
}

#[derive(Template)]
#[template(path = "pages/admin/guests.html")]
struct GuestsPage {
    layout: Layout,
    guests: Vec<GuestRow>,
}

async fn guests(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Guests", Section::None)?;
    let guests = read(&app, &caller, lifecycle::list).await?;
    render(StatusCode::OK, &GuestsPage { layout, guests })
}

async fn extend_guest(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let app2 = app.clone();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        lifecycle::extend(conn, &app2.config, scope, id, &origin)
    })
    .await?;
    Ok(see_other("/admin/guests"))
}

async fn revoke_guest(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        lifecycle::revoke(conn, scope, id, &origin)
    })
    .await?;
    Ok(see_other("/admin/guests"))
}

//! Settings → Security: where one is signed in (browser sessions and API tokens, with device,
//! address and last use), signing out of one of them or everywhere; admins see and do the same
//! for anyone at `/admin/users/{id}/security`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form;
use super::view::Times;
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::accounts::security::{self, CredentialView};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::UserId;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/security", web::get().to(mine))
        .route(
            "/settings/security/{id}/sign-out",
            web::post().to(sign_out_mine),
        )
        .route(
            "/settings/security/sign-out-everywhere",
            web::post().to(everywhere_mine),
        )
        .route("/admin/users/{id}/security", web::get().to(theirs))
        .route(
            "/admin/users/{id}/sign-out-everywhere",
            web::post().to(everywhere_theirs),
        );
}

#[derive(Template)]
#[template(path = "pages/settings/security.html")]
struct SecurityPage {
    layout: Layout,
    credentials: Vec<CredentialView>,
    /// Whose they are, on an admin's page; `None` on one's own.
    owner: Option<(UserId, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ButtonForm {
    csrf: String,
}

async fn mine(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Security", Section::None)?;
    let me = caller.user()?.id;
    page(&app, &caller, layout, me, None).await
}

async fn theirs(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Sessions", Section::None)?;
    let id = id.into_inner();
    let name = read(&app, &caller, move |conn, scope| {
        scope.viewer().require_admin()?;
        let circle = crate::accounts::access::circle(conn, scope)?;
        let cards = crate::accounts::access::cards(conn, scope, &circle, &[id])?;
        cards
            .get(&id)
            .map(|user| user.name.clone())
            .ok_or_else(|| crate::error::Error::not_found("user"))
    })
    .await?;
    page(&app, &caller, layout, id, Some((id, name))).await
}

async fn page(
    app: &web::Data<App>,
    caller: &Caller,
    layout: Layout,
    user: UserId,
    owner: Option<(UserId, String)>,
) -> Result<HttpResponse, PageError> {
    let current = caller.credential_id();
    let credentials = read(app, caller, move |conn, scope| {
        security::credentials(conn, scope, user, current)
    })
    .await?;
    let page = SecurityPage {
        layout,
        credentials,
        owner,
    };
    render(StatusCode::OK, &page)
}

async fn sign_out_mine(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<i64>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (me, id, origin) = (caller.user()?.id, id.into_inner(), caller.origin.clone());
    write(&app, &caller, move |conn, scope| {
        security::sign_out(conn, scope, me, id, &origin)
    })
    .await?;
    let this_one = caller.credential_id() == Some(id);
    Ok(see_other(if this_one {
        "/sign-in"
    } else {
        "/settings/security"
    }))
}

async fn everywhere_mine(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (me, origin) = (caller.user()?.id, caller.origin.clone());
    write(&app, &caller, move |conn, scope| {
        security::sign_out_everywhere(conn, scope, me, &origin)
    })
    .await?;
    Ok(see_other("/sign-in"))
}

async fn everywhere_theirs(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (id, origin) = (id.into_inner(), caller.origin.clone());
    write(&app, &caller, move |conn, scope| {
        security::sign_out_everywhere(conn, scope, id, &origin)
    })
    .await?;
    Ok(see_other(&format!("/admin/users/{id}/security")))
}

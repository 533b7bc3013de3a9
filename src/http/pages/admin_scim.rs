//! Admin → SCIM: the tokens the company's identity provider provisions people with. A new
//! token is shown once, on the page that made it; the list shows each one's name, maker and
//! last use, and revokes it.

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
use crate::scim::tokens::{self, ScimToken};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/scim", web::get().to(show))
        .route("/admin/scim", web::post().to(create))
        .route("/admin/scim/{id}/revoke", web::post().to(revoke));
}

#[derive(Template)]
#[template(path = "pages/admin/scim.html")]
struct ScimPage {
    layout: Layout,
    tokens: Vec<ScimToken>,
    /// The token just made, shown this once.
    made: Option<String>,
    base_url: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NameForm {
    name: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ButtonForm {
    csrf: String,
}

async fn page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    made: Option<String>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "SCIM provisioning", Section::None)?;
    let tokens = read(app, caller, |conn, scope| {
        tokens::list(conn, scope.viewer())
    })
    .await?;
    let base_url = format!("{}{}", app.config.public_url(), crate::scim::BASE_PATH);
    render(
        StatusCode::OK,
        &ScimPage {
            layout,
            tokens,
            made,
            base_url,
        },
    )
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    page(&app, &req, &caller, None).await
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let name = form.name.clone();
    let origin = caller.origin.clone();
    let (_, token) = write(&app, &caller, move |conn, scope| {
        tokens::create(conn, scope.viewer(), &name, &origin)
    })
    .await?;
    page(&app, &req, &caller, Some(token)).await
}

async fn revoke(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<i64>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        tokens::revoke(conn, scope.viewer(), id, &origin)
    })
    .await?;
    Ok(see_other("/admin/scim"))
}

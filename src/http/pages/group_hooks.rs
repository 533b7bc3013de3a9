//! A group's incoming webhooks, for its owners and admins: make one (its URL shown once, on
//! the page that made it), see them, revoke one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form;
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::bots::hooks::{self, NewHook};
use crate::bots::views::HookView;
use crate::groups::{GroupView, access};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::GroupId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups/{id}/hooks", web::get().to(show))
        .route("/groups/{id}/hooks", web::post().to(create))
        .route("/groups/{id}/hooks/{hook}/revoke", web::post().to(revoke));
}

#[derive(Template)]
#[template(path = "pages/groups/hooks.html")]
struct HooksPage {
    layout: Layout,
    group: GroupView,
    hooks: Vec<HookView>,
    /// The URL of the hook just made, shown this once.
    made: Option<String>,
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
    id: GroupId,
    made: Option<String>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Incoming webhooks", Section::None)?;
    let (group, hooks) = read(app, caller, move |conn, scope| {
        let hooks = hooks::list_hooks(conn, scope, id)?;
        let group = access::visible_group(conn, scope, id)?;
        let view = access::views(conn, scope, &[group])?
            .pop()
            .ok_or_else(|| crate::error::Error::not_found("group"))?;
        Ok((view, hooks))
    })
    .await?;
    render(
        StatusCode::OK,
        &HooksPage {
            layout,
            group,
            hooks,
            made,
        },
    )
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, PageError> {
    page(&app, &req, &caller, id.into_inner(), None).await
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    input: web::Form<NameForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &input.csrf)?;
    let (id, public_url) = (id.into_inner(), app.config.public_url());
    let hook = NewHook {
        name: input.name.clone(),
    };
    let origin = caller.origin.clone();
    let made = write(&app, &caller, move |conn, scope| {
        hooks::create_hook(conn, scope, id, &hook, &public_url, &origin)
    })
    .await?;
    page(&app, &req, &caller, id, Some(made.url)).await
}

async fn revoke(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(GroupId, i64)>,
    input: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &input.csrf)?;
    let (id, hook) = path.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        hooks::revoke_hook(conn, scope, id, hook, &origin)
    })
    .await?;
    Ok(see_other(&format!("/groups/{id}/hooks")))
}

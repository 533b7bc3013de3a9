//! The notifications page (grouped, read and unread, "mark all read") and the notification
//! settings page (per-kind delivery, muted threads).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CursorQuery, FieldErrors, SavedQuery, more_link};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::access::Scope;
use crate::error::Error;
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::PostId;
use crate::posts::Post;
use crate::signals::notifications;
use crate::signals::preferences::{self, Delivery, Kind};
use crate::signals::views::{self, NotificationView};

/// Notifications on one page.
const PAGE: i64 = 30;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/notifications", web::get().to(index))
        .route("/notifications/read", web::post().to(mark_all_read))
        .route("/settings/notifications", web::get().to(edit_settings))
        .route("/settings/notifications", web::post().to(update_settings))
        .route("/settings/notifications/unmute", web::post().to(unmute));
}

#[derive(Template)]
#[template(path = "pages/notifications/index.html")]
struct IndexPage {
    layout: Layout,
    items: Vec<NotificationView>,
    unread: i64,
    more: Option<String>,
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Notifications", Section::None)?;
    let before = query
        .cursor
        .as_deref()
        .map(crate::cursor::decode)
        .transpose()?
        .map(|(_, id)| id);
    let (items, next, unread) = read(&app, &caller, move |conn, scope| {
        let (items, next) = views::page(conn, scope, before, PAGE)?;
        Ok((items, next, notifications::unread_count(conn, scope)?))
    })
    .await?;
    let page = IndexPage {
        layout,
        items,
        unread,
        more: more_link("/notifications", next.as_deref()),
    };
    render(StatusCode::OK, &page)
}

/// A form that carries only its CSRF token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn mark_all_read(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    write(&app, &caller, |conn, scope| {
        notifications::mark_read(conn, scope, None)
    })
    .await?;
    Ok(see_other("/notifications"))
}

/// One row of the settings form.
struct KindRow {
    kind: Kind,
    chosen: Delivery,
}

#[derive(Template)]
#[template(path = "pages/notifications/settings.html")]
struct SettingsPage {
    layout: Layout,
    rows: Vec<KindRow>,
    choices: [Delivery; 4],
    muted: Vec<(String, String)>,
    errors: FieldErrors,
    saved: bool,
}

/// Each kind with its delivery, and the muted threads.
type Loaded = (Vec<(Kind, Delivery)>, Vec<Post>);

/// The settings and muted threads of the caller.
fn load_settings(
    conn: &mut crate::db::DbConnection,
    scope: &Scope,
) -> crate::error::Result<Loaded> {
    let me = scope.viewer().require_user()?.id;
    Ok((
        preferences::settings_of(conn, me)?,
        preferences::muted_threads(conn, scope)?,
    ))
}

fn settings_page(
    layout: Layout,
    (kinds, muted): Loaded,
    errors: FieldErrors,
    saved: bool,
) -> SettingsPage {
    SettingsPage {
        layout,
        rows: kinds
            .into_iter()
            .map(|(kind, chosen)| KindRow { kind, chosen })
            .collect(),
        choices: Delivery::ALL,
        muted: muted
            .iter()
            .map(|p| (p.id.to_string(), views::excerpt(&p.body)))
            .collect(),
        errors,
        saved,
    }
}

async fn edit_settings(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Notification settings", Section::None)?;
    let loaded = read(&app, &caller, load_settings).await?;
    let page = settings_page(
        layout,
        loaded,
        FieldErrors::default(),
        query.saved.is_some(),
    );
    render(StatusCode::OK, &page)
}

async fn update_settings(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let mut fields = form.into_inner();
    let csrf = fields.remove("csrf").unwrap_or_default();
    let changes: Vec<(String, String)> = fields.into_iter().collect();
    let outcome = form::submit(&app, &caller, &csrf, move |conn, scope| {
        preferences::update_settings(conn, scope, &changes)
    })
    .await?;
    let refusal = match outcome {
        Ok(_) => return Ok(see_other("/settings/notifications?saved=1")),
        Err(refusal) => refusal,
    };
    let layout = Layout::signed_in(&req, &caller, "Notification settings", Section::None)?;
    let loaded = read(&app, &caller, load_settings).await?;
    render(
        refusal.status,
        &settings_page(layout, loaded, refusal.errors, false),
    )
}

/// Unmutes one thread.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnmuteForm {
    csrf: String,
    post_id: String,
}

async fn unmute(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<UnmuteForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id: PostId = form.post_id.parse().map_err(|_| Error::not_found("post"))?;
    write(&app, &caller, move |conn, scope| {
        preferences::set_thread_mute(conn, scope, id, false)
    })
    .await?;
    Ok(see_other("/settings/notifications?saved=1"))
}

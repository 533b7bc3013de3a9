//! The audit log page (site admins only; everyone else gets a 403 page, as on every admin
//! page): entries newest first, filtered by action, actor and dates, paged, and their JSONL
//! export. Nothing here changes an entry.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{PAGE_SIZE, more_link};
use super::{Layout, Section, render};
use crate::App;
use crate::audit::{self, AuditAction, AuditItem};
use crate::http::api::audit::{AuditQuery, jsonl};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::Caller;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", web::get().to(index))
        .route("/admin/audit.jsonl", web::get().to(export));
}

#[derive(Template)]
#[template(path = "pages/admin/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditItem>,
    /// Every action's name, for the filter.
    actions: Vec<&'static str>,
    /// The filter as typed.
    action: String,
    actor: String,
    since: String,
    until: String,
    /// The filter as a query string, for the export link.
    filter_query: String,
    more: Option<String>,
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let filter = query.filter()?;
    let (viewer, cursor) = (caller.viewer.clone(), query.cursor.clone());
    let page = blocking(move || {
        app.db.read(|conn| {
            audit::access::entries(conn, &viewer, &filter, cursor.as_deref(), PAGE_SIZE)
        })
    })
    .await?;
    let layout = Layout::signed_in(&req, &caller, "Audit log", Section::None)?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let filter_query = serde_urlencoded::to_string([
        ("action", text(&query.action)),
        ("actor", text(&query.actor)),
        ("since", text(&query.since)),
        ("until", text(&query.until)),
    ])
    .unwrap_or_default();
    let path = format!("/admin/audit?{filter_query}");
    let view = AuditPage {
        layout,
        entries: page.items,
        actions: AuditAction::ALL.iter().map(|a| a.as_str()).collect(),
        action: text(&query.action),
        actor: text(&query.actor),
        since: text(&query.since),
        until: text(&query.until),
        more: more_link(&path, page.next_cursor.as_deref()),
        filter_query,
    };
    render(StatusCode::OK, &view)
}

async fn export(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    Ok(jsonl(&app, &caller, &query).await?)
}

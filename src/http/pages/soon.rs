//! Places the toolbar already links to whose features come later: search and notifications.
//! They answer with a page that says so rather than a 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Section, render};
use crate::http::error::PageError;
use crate::http::extract::Caller;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(search))
        .route("/notifications", web::get().to(notifications));
}

#[derive(Template)]
#[template(path = "pages/soon/show.html")]
struct SoonPage {
    layout: Layout,
    heading: &'static str,
    text: &'static str,
    /// What was searched for, shown back.
    query: String,
}

/// `?q=`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchQuery {
    q: String,
}

async fn search(
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    let page = SoonPage {
        layout: Layout::signed_in(&req, &caller, "Search", Section::None)?,
        heading: "Search",
        text: "Search arrives soon. Until then, browse groups, or follow the #tags in posts.",
        query: query.into_inner().q,
    };
    render(StatusCode::OK, &page)
}

async fn notifications(req: HttpRequest, caller: Caller) -> Result<HttpResponse, PageError> {
    let page = SoonPage {
        layout: Layout::signed_in(&req, &caller, "Notifications", Section::None)?,
        heading: "Notifications",
        text: "Notifications arrive soon: mentions, comments and likes on your posts will show up here.",
        query: String::new(),
    };
    render(StatusCode::OK, &page)
}

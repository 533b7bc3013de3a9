//! A place the toolbar already links to whose feature comes later: notifications. It answers
//! with a page that says so rather than a 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, Section, render};
use crate::http::error::PageError;
use crate::http::extract::Caller;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/notifications", web::get().to(notifications));
}

#[derive(Template)]
#[template(path = "pages/soon/show.html")]
struct SoonPage {
    layout: Layout,
    heading: &'static str,
    text: &'static str,
}

async fn notifications(req: HttpRequest, caller: Caller) -> Result<HttpResponse, PageError> {
    let page = SoonPage {
        layout: Layout::signed_in(&req, &caller, "Notifications", Section::None)?,
        heading: "Notifications",
        text: "Notifications arrive soon: mentions, comments and likes on your posts will show up here.",
    };
    render(StatusCode::OK, &page)
}

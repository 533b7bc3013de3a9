//! The workers' status page (site admins only): each background worker of this process, how
//! far behind the events log it is, its last pass and last failure, and the outbox's depth.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, Section, render};
use crate::App;
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::workers::{Board, Status};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/workers", web::get().to(index));
}

#[derive(Template)]
#[template(path = "pages/admin/workers.html")]
struct WorkersPage {
    layout: Layout,
    board: Board,
}

async fn index(
    app: web::Data<App>,
    status: web::Data<Status>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Workers", Section::None)?;
    let viewer = caller.viewer.clone();
    let board = blocking(move || app.db.read(|conn| status.board_for(conn, &viewer))).await?;
    render(StatusCode::OK, &WorkersPage { layout, board })
}

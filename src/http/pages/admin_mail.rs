//! Mail admin (site admins only; everyone else gets a 403 page): messages the mail server
//! refused for good, messages still waiting (with their attempts and last error), and
//! queueing a refused message again.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, CsrfForm, PAGE_SIZE};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::mail::admin::{self as mail, MailView, State};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/mail", web::get().to(index))
        .route("/admin/mail/{id}/retry", web::post().to(retry));
}

#[derive(Template)]
#[template(path = "pages/admin/mail.html")]
struct MailPage {
    layout: Layout,
    refused: Vec<MailView>,
    waiting: Vec<MailView>,
    /// More of either list than the page shows.
    more: bool,
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Mail", Section::None)?;
    let viewer = caller.viewer.clone();
    let ((refused, more_refused), (waiting, more_waiting)) = blocking(move || {
        app.db.read(|conn| {
            Ok((
                mail::list(conn, &viewer, State::Failed, None, PAGE_SIZE)?,
                mail::list(conn, &viewer, State::Queued, None, PAGE_SIZE)?,
            ))
        })
    })
    .await?;
    let page = MailPage {
        layout,
        refused,
        waiting,
        more: more_refused.is_some() || more_waiting.is_some(),
    };
    render(StatusCode::OK, &page)
}

async fn retry(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let viewer = caller.viewer.clone();
    let origin = caller.origin.clone();
    blocking(move || app.db.write(|conn| mail::retry(conn, &viewer, id, &origin))).await?;
    Ok(see_other("/admin/mail"))
}

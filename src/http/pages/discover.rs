//! Discover: everything suggested to the reader, each with why, and dismissing a suggestion
//! (from here or from the home page's side rail).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form;
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::recommendations::{self, Kind, Limits, Recommendations};

/// Suggestions of each kind on the discover page.
const DISCOVER_EACH: usize = 12;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/discover", web::get().to(discover))
        .route("/recommendations/dismiss", web::post().to(dismiss));
}

#[derive(Template)]
#[template(path = "pages/discover/index.html")]
struct DiscoverPage {
    layout: Layout,
    recommendations: Recommendations,
    /// Where a dismissal returns.
    back: &'static str,
}

async fn discover(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Discover", Section::None)?;
    let trending = app.trending.clone();
    let recommendations = read(&app, &caller, move |conn, scope| {
        recommendations::access::recommend(conn, scope, &trending, Limits::each(DISCOVER_EACH))
    })
    .await?;
    let page = DiscoverPage {
        layout,
        recommendations,
        back: "/discover",
    };
    render(StatusCode::OK, &page)
}

/// The dismiss button's form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DismissForm {
    csrf: String,
    kind: String,
    id: String,
    back: String,
}

async fn dismiss(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<DismissForm>,
) -> Result<HttpResponse, PageError> {
    let DismissForm {
        csrf,
        kind,
        id,
        back,
    } = form.into_inner();
    form::check(&caller, &csrf)?;
    let kind = Kind::parse(&kind)?;
    crate::http::api::write(&app, &caller, move |conn, scope| {
        recommendations::actions::dismiss_recommendation(conn, scope, kind, &id)
    })
    .await?;
    Ok(see_other(&form::local_path(&back, "/")))
}

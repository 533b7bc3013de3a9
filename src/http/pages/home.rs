//! The home page. For now it greets the signed-in user; feeds arrive with the microblog.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Layout, render, see_other};
use crate::App;
use crate::accounts::{UserView, access};
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::Caller;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

#[derive(Template)]
#[template(path = "pages/home/index.html")]
struct HomePage {
    layout: Layout,
    me: UserView,
}

async fn home(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &caller.user else {
        let setup_open = blocking(move || app.db.read(access::setup_open)).await?;
        return Ok(see_other(if setup_open { "/setup" } else { "/sign-in" }));
    };
    let me = UserView::of(user, &caller.viewer);
    let layout = Layout::new(&req, "Home", Some(me.clone()), caller.csrf_token());
    render(StatusCode::OK, &HomePage { layout, me })
}

//! Server-rendered HTML pages. They work without JavaScript: forms post, and a success
//! answers 303 to the next page.

mod auth;
mod home;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::assets::Assets;
use super::error::PageError;
use crate::App;
use crate::accounts::UserView;
use crate::error::Error;

/// Registers every page route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(home::routes).configure(auth::routes);
}

/// What every page's layout needs.
#[derive(Debug)]
pub struct Layout {
    pub title: String,
    pub css: String,
    pub icon: String,
    /// The signed-in user, for the toolbar.
    pub me: Option<UserView>,
    /// The session's CSRF token, for the toolbar's sign-out form.
    pub csrf: String,
}

impl Layout {
    /// A layout titled `title`.
    pub fn new(req: &HttpRequest, title: &str, me: Option<UserView>, csrf: Option<&str>) -> Layout {
        let assets = req.app_data::<web::Data<Assets>>();
        let url = |name: &str| assets.map(|a| a.url(name).to_string()).unwrap_or_default();
        let (css, icon) = (url("app.css"), url("favicon.svg"));
        Layout {
            title: title.to_string(),
            css,
            icon,
            me,
            csrf: csrf.unwrap_or_default().to_string(),
        }
    }
}

/// Renders `page` with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page.render().map_err(Error::internal)?;
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(html))
}

/// A 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// A cookie for this server: HttpOnly, SameSite=Lax, Secure when the public URL is https.
pub fn cookie(
    app: &App,
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.config.public_url().starts_with("https://"))
        .max_age(max_age)
        .finish()
}

//! Server-rendered HTML pages. They work without JavaScript: forms post, a success answers
//! 303 to the next page, and a form the domain refuses is shown again with its messages and
//! everything the user typed.

mod admin;
mod admin_audit;
mod admin_bots;
mod admin_mail;
mod admin_scim;
mod admin_workers;
mod atom;
mod auth;
mod comments;
mod delete_account;
mod discover;
mod email_links;
mod email_settings;
pub(super) mod error_page;
mod feed_settings;
pub(crate) mod form;
mod group_admin;
mod group_hooks;
mod groups;
mod home;
mod moderation;
mod notifications;
mod opensearch;
mod people;
mod posts;
mod saved;
mod search;
mod security_settings;
mod settings;
mod sign_in_links;
mod sso;
mod tags;
mod unsubscribe;
mod view;
mod webhooks;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::assets::Assets;
use super::error::PageError;
use super::extract::Caller;
use crate::App;
use crate::accounts::{UserKind, UserView};
use crate::error::{Error, Result};

/// Registers every page route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Atom first: `/groups/{id}.atom` would otherwise be the page `/groups/{id}`.
    cfg.configure(atom::routes)
        .configure(home::routes)
        .configure(auth::routes)
        .configure(email_links::routes)
        .configure(sign_in_links::routes)
        .configure(sso::routes)
        .configure(posts::routes)
        .configure(saved::routes)
        .configure(moderation::routes)
        .configure(discover::routes)
        .configure(comments::routes)
        .configure(groups::routes)
        .configure(group_admin::routes)
        .configure(webhooks::routes)
        .configure(tags::routes)
        .configure(people::routes)
        .configure(settings::routes)
        .configure(security_settings::routes)
        .configure(delete_account::routes)
        .configure(feed_settings::routes)
        .configure(email_settings::routes)
        .configure(unsubscribe::routes)
        .configure(search::routes)
        .configure(opensearch::routes)
        .configure(notifications::routes)
        .configure(admin::routes)
        .configure(admin_audit::routes)
        .configure(admin_mail::routes)
        .configure(admin_scim::routes)
        .configure(admin_bots::routes)
        .configure(group_hooks::routes)
        .configure(admin_workers::routes);
}

/// The toolbar entry a page belongs to, so the toolbar can mark it as current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    None,
    Home,
    Company,
    Groups,
    People,
}

/// What every page's layout needs.
#[derive(Debug)]
pub struct Layout {
    pub title: String,
    pub css: String,
    /// The script that enhances the pages (`app.js`).
    pub js: String,
    pub icon: String,
    /// The signed-in user, for the toolbar.
    pub me: Option<UserView>,
    /// The session's CSRF token, for every form that changes something.
    pub csrf: String,
    /// The toolbar entry to mark as current.
    pub section: Section,
    /// What the toolbar's search box shows: the query on the results page, else nothing.
    pub query: String,
    /// The Atom feed of what the page lists (without a token: see docs/atom.md).
    pub atom: Option<String>,
    /// The last event in the log before the page read anything: its live stream resumes after
    /// it (`<meta name="last-event-id">`). None when no hub runs.
    pub rendered_after: Option<i64>,
}

impl Layout {
    /// A layout titled `title`.
    pub fn new(req: &HttpRequest, title: &str, me: Option<UserView>, csrf: Option<&str>) -> Layout {
        let assets = req.app_data::<web::Data<Assets>>();
        let url = |name: &str| assets.map(|a| a.url(name).to_string()).unwrap_or_default();
        let (css, js, icon) = (url("app.css"), url("app.js"), url("favicon.svg"));
        Layout {
            title: title.to_string(),
            css,
            js,
            icon,
            me,
            csrf: csrf.unwrap_or_default().to_string(),
            section: Section::None,
            query: String::new(),
            atom: None,
            rendered_after: super::live_position::rendered_after(req),
        }
    }

    /// The layout of a page for the signed-in caller (401, hence the sign-in page, otherwise).
    pub fn signed_in(
        req: &HttpRequest,
        caller: &Caller,
        title: &str,
        section: Section,
    ) -> Result<Layout> {
        let me = UserView::of(caller.user()?, &caller.viewer);
        let mut layout = Layout::new(req, title, Some(me), caller.csrf_token());
        layout.section = section;
        Ok(layout)
    }

    /// `aria-current` for the toolbar link of `section`.
    pub fn current(&self, section: &str) -> &'static str {
        let mine = match self.section {
            Section::None => "",
            Section::Home => "home",
            Section::Company => "company",
            Section::Groups => "groups",
            Section::People => "people",
        };
        if mine == section { "page" } else { "false" }
    }

    /// True when the viewer is a site admin (the toolbar shows the Admin entry).
    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.kind == UserKind::Admin)
    }

    /// True when the viewer is a guest or a bot (no company feed, no directory beyond their groups).
    pub fn is_guest(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.kind.is_walled())
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

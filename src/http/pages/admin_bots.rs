//! Admin → Bots: create bots, issue their tokens (read and/or write, limited to some of the
//! bot's groups, expiring), revoke tokens, deactivate bots. A new token is shown once, on the
//! page that made it. Bots join groups through the groups' own member forms.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use super::form;
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::bots::actions::{self, NewBot, NewToken};
use crate::bots::views::BotView;
use crate::http::api::blocking;
use crate::http::error::PageError;
use crate::http::extract::{Caller, origin};
use crate::ids::UserId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/bots", web::get().to(show))
        .route("/admin/bots", web::post().to(create))
        .route("/admin/bots/{id}/tokens", web::post().to(issue))
        .route(
            "/admin/bots/{id}/tokens/{token}/revoke",
            web::post().to(revoke),
        )
        .route("/admin/bots/{id}/deactivate", web::post().to(deactivate));
}

#[derive(Template)]
#[template(path = "pages/admin/bots.html")]
struct BotsPage {
    layout: Layout,
    bots: Vec<BotView>,
    /// The token just issued and its bot's name, shown this once.
    issued: Option<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BotForm {
    name: String,
    description: String,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ButtonForm {
    csrf: String,
}

async fn page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    issued: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Bots", Section::None)?;
    let (db, viewer) = (app.db.clone(), caller.viewer.clone());
    let bots = blocking(move || db.read(|conn| actions::list_bots(conn, &viewer))).await?;
    render(
        StatusCode::OK,
        &BotsPage {
            layout,
            bots,
            issued,
        },
    )
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    page(&app, &req, &caller, None).await
}

async fn create(
    app: web::Data<App>,
    caller: Caller,
    input: web::Form<BotForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &input.csrf)?;
    let bot = NewBot {
        name: input.name.clone(),
        description: input.description.clone(),
    };
    let (db, viewer) = (app.db.clone(), caller.viewer.clone());
    let origin = caller.origin.clone();
    blocking(move || db.write(|conn| actions::create_bot(conn, &viewer, &bot, &origin))).await?;
    Ok(see_other("/admin/bots"))
}

/// The token form: `name`, `read` and `write` checkboxes, `group` checkboxes (one per group,
/// repeated), `expires_on` (a date; the token lasts through its end, UTC).
fn token_form(body: &[u8]) -> (String, NewToken) {
    let mut csrf = String::new();
    let mut token = NewToken {
        name: String::new(),
        read: false,
        write: false,
        group_ids: None,
        expires_at: None,
    };
    let mut groups = Vec::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "name" => token.name = value.into_owned(),
            "read" => token.read = true,
            "write" => token.write = true,
            "group" => groups.push(value.into_owned()),
            "expires_on" => {
                token.expires_at = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                    .ok()
                    .map(|day| day.and_time(NaiveTime::MIN).and_utc() + chrono::Duration::days(1));
            }
            _ => {}
        }
    }
    token.group_ids = (!groups.is_empty()).then_some(groups);
    (csrf, token)
}

async fn issue(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (csrf, token) = token_form(&body);
    form::check(&caller, &csrf)?;
    let (db, viewer, id, origin) = (
        app.db.clone(),
        caller.viewer.clone(),
        id.into_inner(),
        origin(&req),
    );
    let issued = blocking(move || {
        db.write(|conn| {
            let issued = actions::issue_token(conn, &viewer, id, &token, &origin)?;
            let bot = actions::show_bot(conn, &viewer, id)?;
            Ok((issued.token, bot.name))
        })
    })
    .await?;
    page(&app, &req, &caller, Some(issued)).await
}

async fn revoke(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(UserId, i64)>,
    input: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &input.csrf)?;
    let ((id, token), db, viewer) = (path.into_inner(), app.db.clone(), caller.viewer.clone());
    let origin = caller.origin.clone();
    blocking(move || db.write(|conn| actions::revoke_token(conn, &viewer, id, token, &origin)))
        .await?;
    Ok(see_other("/admin/bots"))
}

async fn deactivate(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    input: web::Form<ButtonForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &input.csrf)?;
    let (id, db, viewer) = (id.into_inner(), app.db.clone(), caller.viewer.clone());
    let origin = caller.origin.clone();
    blocking(move || db.write(|conn| actions::deactivate_bot(conn, &viewer, id, &origin))).await?;
    Ok(see_other("/admin/bots"))
}

//! Moderation in the browser: the Report form of a post or comment, and the queue where those
//! who moderate decide.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, FieldErrors};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::error::invalid;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId, ReportId};
use crate::moderation::actions::{self, Decision, NewReport};
use crate::moderation::views::{self, QueueEntry};
use crate::moderation::{Action, Item, Reason, Sanction, access};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/posts/{id}/report", web::get().to(post_form))
        .route("/posts/{id}/report", web::post().to(report_post))
        .route("/comments/{id}/report", web::get().to(comment_form))
        .route("/comments/{id}/report", web::post().to(report_comment))
        .route("/moderation", web::get().to(queue))
        .route("/moderation/reports/{id}", web::post().to(decide));
}

/// Reports a queue page shows.
const QUEUE_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "pages/moderation/report.html")]
struct ReportPage {
    layout: Layout,
    /// `post` or `comment`.
    what: &'static str,
    action: String,
    back: String,
    reasons: Vec<(&'static str, &'static str)>,
    chosen: String,
    note: String,
    errors: FieldErrors,
    /// Filed: the thank-you instead of the form.
    filed: bool,
}

#[derive(Template)]
#[template(path = "pages/moderation/queue.html")]
struct QueuePage {
    layout: Layout,
    entries: Vec<QueueEntry>,
    /// Site admins may also warn or suspend.
    sanctions: bool,
    more: Option<String>,
    /// The report whose decision was refused, and why.
    refused: Option<(String, FieldErrors)>,
}

impl QueuePage {
    /// The refusal's messages when they are about report `id`.
    fn errors_for(&self, id: &str) -> String {
        match &self.refused {
            Some((refused, errors)) if refused == id => {
                [errors.general(), errors.get("message")].join(" ")
            }
            _ => String::new(),
        }
    }

    /// A report's reason in the words the reporter chose it by.
    fn reason_label<'a>(&self, code: &'a str) -> &'a str {
        match Reason::parse(code) {
            Some(reason) => label(reason),
            None => code,
        }
    }

    /// Whether the refusal of report `id` is about its message, which is then marked invalid.
    fn message_refused(&self, id: &str) -> bool {
        matches!(&self.refused, Some((refused, errors))
            if refused == id && !errors.get("message").is_empty())
    }
}

/// What the Report form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportForm {
    csrf: String,
    reason: String,
    note: String,
    back: String,
}

/// What a decision form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DecisionForm {
    csrf: String,
    action: String,
    sanction: String,
    message: String,
}

/// A reason in the words the reporter chose it by.
fn label(reason: Reason) -> &'static str {
    match reason {
        Reason::Spam => "Spam or advertising",
        Reason::Harassment => "Harassment, bullying or hate",
        Reason::Inappropriate => "Breaks the rules of conduct",
        Reason::Confidential => "Confidential information",
        Reason::Other => "Something else",
    }
}

/// The reasons as the form lists them.
fn reasons() -> Vec<(&'static str, &'static str)> {
    Reason::ALL
        .iter()
        .map(|r| (r.as_str(), label(*r)))
        .collect()
}

/// Where a refused or filed report goes back to when its form did not say.
fn item_page(item: Item) -> String {
    match item {
        Item::Post(id) => format!("/posts/{id}"),
        Item::Comment(_) => "/".to_string(),
    }
}

fn report_page(layout: Layout, item: Item, back: String) -> ReportPage {
    let (what, action) = match item {
        Item::Post(id) => ("post", format!("/posts/{id}/report")),
        Item::Comment(id) => ("comment", format!("/comments/{id}/report")),
    };
    ReportPage {
        layout,
        what,
        action,
        back,
        reasons: reasons(),
        chosen: String::new(),
        note: String::new(),
        errors: FieldErrors::default(),
        filed: false,
    }
}

/// The Report form of `item`, which the viewer must be able to read (404 otherwise).
async fn form_page(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    item: Item,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Report", Section::None)?;
    let back = read(&app, &caller, move |conn, scope| match item {
        Item::Post(id) => {
            crate::posts::access::visible_post(conn, scope, id).map(|p| format!("/posts/{}", p.id))
        }
        Item::Comment(id) => crate::posts::access::visible_comment(conn, scope, id)
            .map(|(c, p)| format!("/posts/{}#comment-{}", p.id, c.id)),
    })
    .await?;
    render(StatusCode::OK, &report_page(layout, item, back))
}

async fn post_form(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
) -> Result<HttpResponse, PageError> {
    form_page(app, req, caller, Item::Post(id.into_inner())).await
}

async fn comment_form(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, PageError> {
    form_page(app, req, caller, Item::Comment(id.into_inner())).await
}

/// Files the report; the form again with its messages when refused.
async fn file(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    item: Item,
    sent: ReportForm,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Report", Section::None)?;
    let per_hour = app.config.moderation.reports_per_hour;
    let back = form::local_path(&sent.back, &item_page(item));
    let (reason, note) = (sent.reason.clone(), sent.note.clone());
    let outcome = form::submit(&app, &caller, &sent.csrf, move |conn, scope| {
        let reason = Reason::parse(&reason).ok_or_else(|| invalid("reason", "choose a reason"))?;
        actions::file(conn, scope, item, &NewReport { reason, note }, per_hour)
    })
    .await?;
    let mut page = report_page(layout, item, back);
    let status = match outcome {
        Ok(_) => {
            page.filed = true;
            StatusCode::OK
        }
        Err(refused) => {
            page.chosen = sent.reason;
            page.note = sent.note;
            page.errors = refused.errors;
            refused.status
        }
    };
    render(status, &page)
}

async fn report_post(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<PostId>,
    sent: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    file(
        app,
        req,
        caller,
        Item::Post(id.into_inner()),
        sent.into_inner(),
    )
    .await
}

async fn report_comment(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<CommentId>,
    sent: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    file(
        app,
        req,
        caller,
        Item::Comment(id.into_inner()),
        sent.into_inner(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueueQuery {
    after: Option<String>,
}

/// The queue page, with a refused decision's messages beside its report.
async fn queue_page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    after: Option<ReportId>,
    refused: Option<(String, FieldErrors)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Moderation", Section::None)?;
    let entries = read(app, caller, move |conn, scope| {
        let rows = access::queue(conn, scope, after, QUEUE_PAGE)?;
        views::queue_entries(conn, scope, &rows)
    })
    .await?;
    let more = (entries.len() as i64 == QUEUE_PAGE)
        .then(|| entries.last())
        .flatten()
        .map(|last| format!("/moderation?after={}", last.id));
    let sanctions = layout.is_admin();
    render(
        status,
        &QueuePage {
            layout,
            entries,
            sanctions,
            more,
            refused,
        },
    )
}

async fn queue(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let after = match query.after.as_deref() {
        Some(id) => Some(
            id.parse::<ReportId>()
                .map_err(|_| invalid("after", "not a report"))?,
        ),
        None => None,
    };
    queue_page(&app, &req, &caller, after, None, StatusCode::OK).await
}

async fn decide(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<ReportId>,
    sent: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    let (id, sent, site) = (id.into_inner(), sent.into_inner(), app.config.public_url());
    let origin = caller.origin.clone();
    let outcome = form::submit(&app, &caller, &sent.csrf, move |conn, scope| {
        let action = Action::parse(&sent.action)
            .ok_or_else(|| invalid("action", "choose what to do with it"))?;
        let sanction = match sent.sanction.as_str() {
            "" => None,
            word => Some(
                Sanction::parse(word)
                    .ok_or_else(|| invalid("sanction", "choose warn or suspend"))?,
            ),
        };
        let decision = Decision {
            action,
            sanction,
            message: sent.message,
        };
        actions::decide(conn, scope, id, &decision, &site, &origin)
    })
    .await?;
    match outcome {
        Ok(_) => Ok(see_other("/moderation")),
        Err(refused) => {
            let errors = Some((id.to_string(), refused.errors));
            queue_page(&app, &req, &caller, None, errors, refused.status).await
        }
    }
}

//! Reports and moderation: report a post or comment, the moderation queue and its decisions,
//! and the caller's own reports and hidden content.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Page, PageQuery, read, write};
use crate::App;
use crate::error::Result;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{CommentId, PostId, ReportId};
use crate::moderation::actions::{self, Decision, NewReport};
use crate::moderation::views::{self, HiddenView, OwnReport, QueueEntry};
use crate::moderation::{Action, Item, Reason, Sanction, access};

/// A report as a reader files it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub reason: Reason,
    /// What is wrong, for the moderators (required with `other`), at most 1,000 characters.
    #[serde(default)]
    pub note: String,
}

/// A moderator's decision on a report; it decides every open report of the same item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub action: Action,
    /// Site administrators only: also warn or suspend the author.
    #[serde(default)]
    pub sanction: Option<Sanction>,
    /// Words to the author, shown with what was hidden and in her email; required to hide,
    /// warn or suspend.
    #[serde(default)]
    pub message: String,
}

/// Files the caller's report of `item`.
async fn file(
    app: web::Data<App>,
    caller: Caller,
    item: Item,
    input: ReportInput,
) -> Result<HttpResponse, ApiError> {
    let per_hour = app.config.moderation.reports_per_hour;
    let report = NewReport {
        reason: input.reason,
        note: input.note,
    };
    let filed = write(&app, &caller, move |conn, scope| {
        actions::file(conn, scope, item, &report, per_hour)
    })
    .await?;
    Ok(HttpResponse::Created().json(OwnReport::of(&filed)))
}

#[utoipa::path(post, path = "/api/v1/posts/{id}/reports", tag = "moderation", params(("id" = String, Path)),
    request_body = ReportInput,
    responses((status = 201, body = OwnReport), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
/// Reports a post the caller may read to those who moderate it; one open report per person
/// and item.
pub async fn report_post(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<PostId>,
    body: web::Json<ReportInput>,
) -> Result<HttpResponse, ApiError> {
    file(app, caller, Item::Post(id.into_inner()), body.into_inner()).await
}

#[utoipa::path(post, path = "/api/v1/comments/{id}/reports", tag = "moderation", params(("id" = String, Path)),
    request_body = ReportInput,
    responses((status = 201, body = OwnReport), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
/// Reports a comment the caller may read.
pub async fn report_comment(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<CommentId>,
    body: web::Json<ReportInput>,
) -> Result<HttpResponse, ApiError> {
    file(
        app,
        caller,
        Item::Comment(id.into_inner()),
        body.into_inner(),
    )
    .await
}

/// The id after or before which a page starts.
fn cursor_id(query: &PageQuery) -> Result<Option<ReportId>> {
    Ok(query
        .cursor
        .as_deref()
        .map(crate::cursor::decode::<i64>)
        .transpose()?
        .map(|(_, id)| ReportId(id)))
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "moderation", params(PageQuery),
    responses((status = 200, body = Page<QueueEntry>), (status = 401, body = Problem)))]
/// The moderation queue: open reports where the caller moderates (groups she owns or
/// administers; site admins: everything they may read), oldest first. Empty for everyone else.
pub async fn list_reports(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = (query.limit()?, cursor_id(&query)?);
    let items = read(&app, &caller, move |conn, scope| {
        let rows = access::queue(conn, scope, after, limit)?;
        views::queue_entries(conn, scope, &rows)
    })
    .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last())
        .flatten()
        .and_then(|last| last.id.parse::<i64>().ok())
        .map(|id| crate::cursor::encode("r", id));
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/decision", tag = "moderation", params(("id" = String, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = OwnReport), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Decides a report: dismiss, hide or delete its item, and (site admins) warn or suspend its
/// author. Every open report of the item ends so, and each reporter is emailed the outcome.
pub async fn decide_report(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<ReportId>,
    body: web::Json<DecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, site) = (id.into_inner(), body.into_inner(), app.config.public_url());
    let decision = Decision {
        action: input.action,
        sanction: input.sanction,
        message: input.message,
    };
    let origin = caller.origin.clone();
    let report = write(&app, &caller, move |conn, scope| {
        actions::decide(conn, scope, id, &decision, &site, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(OwnReport::of(&report)))
}

#[utoipa::path(get, path = "/api/v1/me/reports", tag = "moderation", params(PageQuery),
    responses((status = 200, body = Page<OwnReport>), (status = 401, body = Problem)))]
/// The caller's own reports, newest first, with how each ended.
pub async fn my_reports(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, before) = (query.limit()?, cursor_id(&query)?);
    let reports = read(&app, &caller, move |conn, scope| {
        access::own_reports(conn, scope, before, limit)
    })
    .await?;
    let next_cursor = (reports.len() as i64 == limit)
        .then(|| reports.last())
        .flatten()
        .map(|last| crate::cursor::encode("r", last.id.0));
    let items = reports.iter().map(OwnReport::of).collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/me/hidden", tag = "moderation",
    responses((status = 200, body = Vec<HiddenView>), (status = 401, body = Problem)))]
/// What moderators hid of the caller's posts and comments, newest first, with their reasons:
/// nobody else sees any of it.
pub async fn my_hidden(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let hidden = read(&app, &caller, move |conn, scope| {
        crate::posts::access::own_hidden(conn, scope, 100)
    })
    .await?;
    let views: Vec<HiddenView> = hidden.iter().map(HiddenView::of).collect();
    Ok(HttpResponse::Ok().json(views))
}

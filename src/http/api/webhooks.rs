//! Outgoing webhooks: endpoints of the company (site admins) and of groups (their owners and
//! admins), their secrets, and their delivery logs.

use actix_web::{HttpResponse, web};
use chrono::Duration;
use serde::Deserialize;

use super::{Page, PageQuery, read, write};
use crate::error::{Result, invalid};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{GroupId, WebhookId};
use crate::webhooks::actions::{self, NewWebhook, WebhookChanges};
use crate::webhooks::views::{DeliveryView, WebhookView, WebhookWithSecret};
use crate::webhooks::{EventType, access};
use crate::{App, cursor};

/// A new endpoint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are POSTed: http or https.
    pub url: String,
    /// The event types to deliver: `post.created`, `comment.created`, `member.joined`, …
    pub event_types: Vec<String>,
    /// A group id: the group's endpoint (its owners and admins). None: company-wide (site
    /// admins).
    pub group_id: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// `true` turns it back on (forgetting its failures), `false` turns it off.
    pub enabled: Option<bool>,
}

/// `?group_id=` of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WebhookFilter {
    /// Only this group's endpoints.
    pub group_id: Option<String>,
}

/// The event types named, or a 422 naming the unknown one.
fn event_types(names: &[String]) -> Result<Vec<EventType>> {
    names
        .iter()
        .map(|name| {
            EventType::parse(name).ok_or_else(|| {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                invalid(
                    "event_types",
                    format!("unknown event type {name:?}: use {}", known.join(", ")),
                )
            })
        })
        .collect()
}

fn group_id(raw: Option<&str>) -> Result<Option<GroupId>> {
    raw.map(|id| id.parse().map_err(|_| invalid("group_id", "no such group")))
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(WebhookFilter),
    responses((status = 200, body = [WebhookView]), (status = 401, body = Problem)))]
/// The endpoints the caller manages, newest first.
pub async fn list_webhooks(
    app: web::Data<App>,
    caller: Caller,
    filter: web::Query<WebhookFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.viewer.require_user()?;
    let group = group_id(filter.group_id.as_deref())?;
    let hooks = read(&app, &caller, move |conn, scope| {
        access::managed_webhooks(conn, scope, group)
    })
    .await?;
    let views: Vec<WebhookView> = hooks.iter().map(WebhookView::of).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = Problem), (status = 422, body = Problem)))]
/// Registers an endpoint. The answer holds its secret, shown this once.
pub async fn create_webhook(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let new = NewWebhook {
        url: body.url.clone(),
        event_types: event_types(&body.event_types)?,
        group_id: group_id(body.group_id.as_deref())?,
        description: body.description.clone(),
    };
    let origin = caller.origin.clone();
    let (hook, secret) = write(&app, &caller, move |conn, scope| {
        actions::create_webhook(conn, scope, &new, &origin)
    })
    .await?;
    let created = WebhookWithSecret {
        webhook: WebhookView::of(&hook),
        secret,
    };
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem)))]
/// One endpoint the caller manages.
pub async fn show_webhook(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let hook = read(&app, &caller, move |conn, scope| {
        access::managed_webhook(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(WebhookView::of(&hook)))
}

#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    request_body = WebhookPatch,
    responses((status = 200, body = WebhookView), (status = 404, body = Problem), (status = 422, body = Problem)))]
/// Changes an endpoint's URL, event types or description, or turns it off or back on.
pub async fn update_webhook(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
    body: web::Json<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let changes = WebhookChanges {
        event_types: body.event_types.as_deref().map(event_types).transpose()?,
        url: body.url,
        description: body.description,
        enabled: body.enabled,
    };
    let origin = caller.origin.clone();
    let hook = write(&app, &caller, move |conn, scope| {
        actions::update_webhook(conn, scope, id, &changes, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(WebhookView::of(&hook)))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = Problem)))]
/// Removes an endpoint and its log.
pub async fn delete_webhook(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::delete_webhook(conn, scope, id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/secret", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookWithSecret), (status = 404, body = Problem)))]
/// Gives an endpoint a new secret, shown this once; the old one signs too until
/// `previous_secret_until` (`webhooks.rotation_overlap_hours`).
pub async fn rotate_webhook_secret(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let overlap = Duration::hours(app.config.webhooks.rotation_overlap_hours);
    let origin = caller.origin.clone();
    let (hook, secret) = write(&app, &caller, move |conn, scope| {
        actions::rotate_secret(conn, scope, id, overlap, &origin)
    })
    .await?;
    let rotated = WebhookWithSecret {
        webhook: WebhookView::of(&hook),
        secret,
    };
    Ok(HttpResponse::Ok().json(rotated))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<DeliveryView>), (status = 404, body = Problem)))]
/// An endpoint's delivery log, newest attempt first.
pub async fn list_webhook_deliveries(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, limit) = (id.into_inner(), query.limit()?);
    let before = query
        .cursor
        .as_deref()
        .map(cursor::decode::<i64>)
        .transpose()?
        .map(|(_, id)| id);
    let attempts = read(&app, &caller, move |conn, scope| {
        let hook = access::managed_webhook(conn, scope, id)?;
        access::attempts(conn, &hook, before, limit + 1)
    })
    .await?;
    let (attempts, next_cursor) = cursor::page(attempts, limit, |a| cursor::encode("", a.id));
    let items: Vec<DeliveryView> = attempts.iter().map(DeliveryView::of).collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, description = "queued again, with the same webhook-id"), (status = 404, body = Problem)))]
/// Sends a logged delivery again, now, as the endpoint's owner may read its event now.
pub async fn redeliver_webhook(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(WebhookId, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attempt) = path.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::redeliver(conn, scope, id, attempt, &origin)
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

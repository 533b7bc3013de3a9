//! Webhook pages: the endpoints a site admin or group admin manages, adding one (its secret
//! shown once), and each endpoint's settings and delivery log with "Send again".

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use super::form::{self, CsrfForm, FieldErrors, ToggleForm};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::{GroupId, WebhookId};
use crate::webhooks::actions::{self, NewWebhook, WebhookChanges};
use crate::webhooks::views::{DeliveryView, WebhookView};
use crate::webhooks::{EventType, access};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::get().to(index))
        .route("/webhooks", web::post().to(create))
        .route("/webhooks/{id}", web::get().to(show))
        .route("/webhooks/{id}/enabled", web::post().to(set_enabled))
        .route("/webhooks/{id}/secret", web::post().to(rotate))
        .route("/webhooks/{id}/delete", web::post().to(delete))
        .route(
            "/webhooks/{id}/deliveries/{attempt}/redeliver",
            web::post().to(redeliver),
        );
}

/// Lines of the delivery log a page shows.
const LOG_LINES: i64 = 50;

#[derive(Template)]
#[template(path = "pages/webhooks/index.html")]
struct IndexPage {
    layout: Layout,
    hooks: Vec<WebhookView>,
    /// The group whose endpoints these are; none: all the viewer manages.
    group: Option<String>,
    /// Whether the viewer may add one here.
    may_add: bool,
    types: Vec<&'static str>,
    /// What a refused form had.
    url: String,
    description: String,
    chosen: Vec<String>,
    errors: FieldErrors,
}

impl IndexPage {
    /// Whether the refused form had event type `kind` ticked.
    fn is_chosen(&self, kind: &str) -> bool {
        self.chosen.iter().any(|c| c == kind)
    }
}

#[derive(Template)]
#[template(path = "pages/webhooks/show.html")]
struct ShowPage {
    layout: Layout,
    hook: WebhookView,
    /// A secret just made, shown this once.
    secret: Option<String>,
    deliveries: Vec<DeliveryView>,
}

/// `?group=` of the list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GroupQuery {
    group: Option<String>,
}

fn group_of(raw: Option<&str>) -> Option<GroupId> {
    raw.and_then(|id| id.parse().ok())
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<GroupQuery>,
) -> Result<HttpResponse, PageError> {
    let group = group_of(query.group.as_deref());
    list_page(&app, &req, &caller, group, Draft::default(), StatusCode::OK).await
}

/// What a refused "add" form had, to show again.
#[derive(Default)]
struct Draft {
    url: String,
    description: String,
    chosen: Vec<String>,
    errors: FieldErrors,
}

async fn list_page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    group: Option<GroupId>,
    draft: Draft,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Webhooks", Section::None)?;
    let (hooks, may_add) = read(app, caller, move |conn, scope| {
        let hooks = access::managed_webhooks(conn, scope, group)?;
        Ok((hooks, access::manages_endpoints_of(conn, scope, group)?))
    })
    .await?;
    let page = IndexPage {
        layout,
        hooks: hooks.iter().map(WebhookView::of).collect(),
        group: group.map(|g| g.to_string()),
        may_add,
        types: EventType::ALL.iter().map(|t| t.as_str()).collect(),
        url: draft.url,
        description: draft.description,
        chosen: draft.chosen,
        errors: draft.errors,
    };
    render(status, &page)
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(key, _)| key == "event_types")
        .map(|(_, value)| value.clone())
        .collect();
    let group = group_of(Some(&field("group_id")));
    let new = NewWebhook {
        url: field("url"),
        event_types: chosen
            .iter()
            .filter_map(|name| EventType::parse(name))
            .collect(),
        group_id: group,
        description: field("description"),
    };
    let origin = caller.origin.clone();
    let made = form::submit(&app, &caller, &field("csrf"), move |conn, scope| {
        actions::create_webhook(conn, scope, &new, &origin)
    })
    .await?;
    match made {
        Ok((hook, secret)) => show_page(&app, &req, &caller, hook.id, Some(secret)).await,
        Err(refused) => {
            let draft = Draft {
                url: field("url"),
                description: field("description"),
                chosen,
                errors: refused.errors,
            };
            list_page(&app, &req, &caller, group, draft, refused.status).await
        }
    }
}

async fn show_page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: WebhookId,
    secret: Option<String>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Webhook", Section::None)?;
    let (hook, attempts) = read(app, caller, move |conn, scope| {
        let hook = access::managed_webhook(conn, scope, id)?;
        let attempts = access::attempts(conn, &hook, None, LOG_LINES)?;
        Ok((hook, attempts))
    })
    .await?;
    let page = ShowPage {
        layout,
        hook: WebhookView::of(&hook),
        secret,
        deliveries: attempts.iter().map(DeliveryView::of).collect(),
    };
    render(StatusCode::OK, &page)
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, PageError> {
    show_page(&app, &req, &caller, id.into_inner(), None).await
}

async fn set_enabled(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let back = format!("/webhooks/{id}");
    let origin = caller.origin.clone();
    form::toggle(&app, &caller, &form, &back, move |conn, scope, on| {
        let changes = WebhookChanges {
            enabled: Some(on),
            ..WebhookChanges::default()
        };
        actions::update_webhook(conn, scope, id, &changes, &origin).map(|_| ())
    })
    .await
}

async fn rotate(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<WebhookId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let overlap = Duration::hours(app.config.webhooks.rotation_overlap_hours);
    let origin = caller.origin.clone();
    let (_, secret) = write(&app, &caller, move |conn, scope| {
        actions::rotate_secret(conn, scope, id, overlap, &origin)
    })
    .await?;
    show_page(&app, &req, &caller, id, Some(secret)).await
}

async fn delete(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<WebhookId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::delete_webhook(conn, scope, id, &origin)
    })
    .await?;
    Ok(see_other("/webhooks"))
}

async fn redeliver(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(WebhookId, i64)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (id, attempt) = path.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::redeliver(conn, scope, id, attempt, &origin)
    })
    .await?;
    Ok(see_other(&format!("/webhooks/{id}?redelivered=1")))
}

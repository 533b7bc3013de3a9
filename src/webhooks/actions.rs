//! Registering, changing, rotating and removing endpoints, and sending a delivery again. Each
//! runs in the caller's transaction, for a viewer who manages the endpoint (`access`).

use chrono::{Duration, Utc};
use diesel::prelude::*;

use super::access::{self, manages_endpoints_of};
use super::model::Webhook;
use super::signature::new_secret;
use super::types::{self, EventType};
use crate::access::Scope;
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::db::schema::webhooks;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, Result, Validation};
use crate::ids::{GroupId, WebhookId};
use crate::outbox::WebhookPayload;

/// Longest endpoint URL accepted.
const MAX_URL: usize = 2000;
/// Longest description accepted.
const MAX_DESCRIPTION: usize = 300;

/// A new endpoint as its creator describes it.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<EventType>,
    /// `None`: company-wide (site admins only).
    pub group_id: Option<GroupId>,
    pub description: String,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<String>,
    /// `true` turns a disabled endpoint back on (and forgets its failures); `false` turns
    /// it off.
    pub enabled: Option<bool>,
}

/// Registers an endpoint, asked from `origin`; returns it and its secret, which is shown this
/// once.
pub fn create_webhook(
    conn: &mut DbConnection,
    scope: &Scope,
    new: &NewWebhook,
    origin: &Origin,
) -> Result<(Webhook, String)> {
    let owner = scope.viewer().require_user()?;
    validate(
        Some(&new.url),
        Some(&new.event_types),
        Some(&new.description),
    )?;
    if !manages_endpoints_of(conn, scope, new.group_id)? {
        return Err(match new.group_id {
            None => Error::forbidden(
                ErrorCode::AdminOnly,
                "only administrators add company-wide webhooks",
            ),
            Some(_) => Error::forbidden(
                ErrorCode::GroupAdminsOnly,
                "only the group's owners and admins add its webhooks",
            ),
        });
    }
    let secret = new_secret();
    let id = WebhookId(new_id());
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(id),
            webhooks::owner_id.eq(owner.id),
            webhooks::group_id.eq(new.group_id),
            webhooks::url.eq(new.url.trim()),
            webhooks::event_types.eq(types::join(&new.event_types)),
            webhooks::description.eq(new.description.trim()),
            webhooks::secret.eq(&secret),
            webhooks::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let hook = access::managed_webhook(conn, scope, id)?;
    let created = Entry::new(AuditAction::WebhookCreated, Some(owner.id))
        .subject(Subject::Webhook(id))
        .detail(settings_of(&hook));
    audit::record(conn, origin, created)?;
    Ok((hook, secret))
}

/// What the audit log keeps of an endpoint: its host and a fingerprint of its address, never
/// the address itself (a receiver's URL often carries a secret of its own), and never its
/// signing secret.
fn settings_of(hook: &Webhook) -> serde_json::Value {
    let host = url::Url::parse(&hook.url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    serde_json::json!({
        "host": host,
        "url_fingerprint": crate::accounts::sessions::sha256_hex(&hook.url)[..12].to_string(),
        "group": hook.group_id.map(|g| g.to_string()),
        "event_types": hook.event_types,
        "description": hook.description,
        "enabled": hook.disabled_at.is_none(),
    })
}

/// Applies `changes` to endpoint `id`, asked from `origin`.
pub fn update_webhook(
    conn: &mut DbConnection,
    scope: &Scope,
    id: WebhookId,
    changes: &WebhookChanges,
    origin: &Origin,
) -> Result<Webhook> {
    let before = access::managed_webhook(conn, scope, id)?;
    validate(
        changes.url.as_deref(),
        changes.event_types.as_deref(),
        changes.description.as_deref(),
    )?;
    let row = webhooks::table.find(id);
    if let Some(url) = &changes.url {
        diesel::update(row)
            .set(webhooks::url.eq(url.trim()))
            .execute(conn)?;
    }
    if let Some(event_types) = &changes.event_types {
        let stored = types::join(event_types);
        diesel::update(row)
            .set(webhooks::event_types.eq(stored))
            .execute(conn)?;
    }
    if let Some(description) = &changes.description {
        let trimmed = description.trim();
        diesel::update(row)
            .set(webhooks::description.eq(trimmed))
            .execute(conn)?;
    }
    match changes.enabled {
        Some(true) => diesel::update(row)
            .set((
                webhooks::disabled_at.eq(None::<chrono::NaiveDateTime>),
                webhooks::disabled_reason.eq(""),
                webhooks::failures.eq(0),
            ))
            .execute(conn)?,
        Some(false) => diesel::update(row.filter(webhooks::disabled_at.is_null()))
            .set((
                webhooks::disabled_at.eq(Utc::now().naive_utc()),
                webhooks::disabled_reason.eq("turned off by an admin"),
            ))
            .execute(conn)?,
        None => 0,
    };
    let after = access::managed_webhook(conn, scope, id)?;
    let updated = Entry::new(AuditAction::WebhookUpdated, scope.viewer().user_id())
        .subject(Subject::Webhook(id))
        .change(settings_of(&before), settings_of(&after));
    audit::record(conn, origin, updated)?;
    Ok(after)
}

/// Gives endpoint `id` a new secret, shown this once; the old one keeps signing too for
/// `overlap`, so receivers can switch without missing a delivery.
pub fn rotate_secret(
    conn: &mut DbConnection,
    scope: &Scope,
    id: WebhookId,
    overlap: Duration,
    origin: &Origin,
) -> Result<(Webhook, String)> {
    let hook = access::managed_webhook(conn, scope, id)?;
    let secret = new_secret();
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::secret.eq(&secret),
            webhooks::previous_secret.eq(Some(&hook.secret)),
            webhooks::previous_secret_until.eq(Some(Utc::now().naive_utc() + overlap)),
        ))
        .execute(conn)?;
    let rotated = Entry::new(AuditAction::WebhookSecretRotated, scope.viewer().user_id())
        .subject(Subject::Webhook(id))
        .detail(serde_json::json!({"overlap_hours": overlap.num_hours()}));
    audit::record(conn, origin, rotated)?;
    Ok((access::managed_webhook(conn, scope, id)?, secret))
}

/// Removes endpoint `id` and its log, asked from `origin`; deliveries still queued for it are
/// dropped when due.
pub fn delete_webhook(
    conn: &mut DbConnection,
    scope: &Scope,
    id: WebhookId,
    origin: &Origin,
) -> Result<()> {
    let hook = access::managed_webhook(conn, scope, id)?;
    diesel::delete(webhooks::table.find(id)).execute(conn)?;
    let deleted = Entry::new(AuditAction::WebhookDeleted, scope.viewer().user_id())
        .subject(Subject::Webhook(id))
        .detail(settings_of(&hook));
    audit::record(conn, origin, deleted)
}

/// Queues the delivery of log line `attempt_id` of endpoint `id` again, due now, with the
/// same message id; returns the new outbox row's id.
pub fn redeliver(
    conn: &mut DbConnection,
    scope: &Scope,
    id: WebhookId,
    attempt_id: i64,
    origin: &Origin,
) -> Result<i64> {
    let hook = access::managed_webhook(conn, scope, id)?;
    let attempt = access::attempt(conn, &hook, attempt_id)?;
    let event_type =
        EventType::parse(&attempt.event_type).ok_or_else(|| Error::not_found("delivery"))?;
    let delivery = WebhookPayload {
        webhook_id: hook.id,
        event_id: attempt.event_id,
        event_type,
    };
    let queued = super::enqueue(conn, &delivery, hook.group_id)?;
    let redelivered = Entry::new(AuditAction::WebhookRedelivered, scope.viewer().user_id())
        .subject(Subject::Webhook(id))
        .detail(serde_json::json!({"event_id": attempt.event_id.to_string(), "event_type": attempt.event_type}));
    audit::record(conn, origin, redelivered)?;
    Ok(queued)
}

/// Checks the fields being set.
fn validate(
    url: Option<&str>,
    event_types: Option<&[EventType]>,
    description: Option<&str>,
) -> Result<()> {
    let mut validation = Validation::default();
    if let Some(url) = url {
        validation.check(
            url_problem(url.trim()).is_some(),
            "url",
            url_problem(url.trim()).unwrap_or_default(),
        );
    }
    if let Some(event_types) = event_types {
        validation.check(
            event_types.is_empty(),
            "event_types",
            "choose at least one event type",
        );
    }
    if let Some(description) = description {
        validation
            .check(
                description.chars().count() > MAX_DESCRIPTION,
                "description",
                format!("use at most {MAX_DESCRIPTION} characters"),
            )
            .single_line(Some(description), "description");
    }
    validation.finish()
}

/// What is wrong with an endpoint URL, if anything. Whether its host may be reached is
/// decided at each delivery by the outbound client, since DNS answers change.
fn url_problem(url: &str) -> Option<&'static str> {
    if url.len() > MAX_URL {
        return Some("use a URL of at most 2000 characters");
    }
    match url::Url::parse(url) {
        Err(_) => Some("enter a full URL, such as https://example.com/hooks/agora"),
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
            Some("use an http or https URL")
        }
        Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            Some("a URL with a user name or password is not accepted: put secrets in the path")
        }
        Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => Some("the URL needs a host"),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::url_problem;

    #[test]
    fn only_plain_http_urls_with_a_host_are_endpoints() {
        assert_eq!(url_problem("https://example.com/hook"), None);
        assert_eq!(url_problem("http://10.1.2.3:8080/x"), None);
        for bad in [
            "example.com",
            "ftp://example.com/",
            "https://u:p@example.com/",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
        assert!(url_problem(&format!("https://example.com/{}", "a".repeat(2000))).is_some());
    }
}

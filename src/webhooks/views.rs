//! Endpoints and their delivery log as the API and pages show them (never the secret, except
//! once when it is made).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::model::{Attempt, Webhook};
use super::types::EventType;

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(at, Utc)
}

/// An endpoint.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub description: String,
    /// `None`: company-wide.
    pub group_id: Option<String>,
    pub event_types: Vec<EventType>,
    pub enabled: bool,
    /// Why it was turned off, when it is.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Failed attempts since the last success.
    pub failures: i32,
    /// Until when the secret before the last rotation still signs deliveries.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub owner_id: String,
    pub created_at: DateTime<Utc>,
}

impl WebhookView {
    pub fn of(hook: &Webhook) -> WebhookView {
        let now = Utc::now().naive_utc();
        WebhookView {
            id: hook.id.to_string(),
            url: hook.url.clone(),
            description: hook.description.clone(),
            group_id: hook.group_id.map(|g| g.to_string()),
            event_types: hook.types(),
            enabled: hook.disabled_at.is_none(),
            disabled_reason: hook.disabled_at.map(|_| hook.disabled_reason.clone()),
            disabled_at: hook.disabled_at.map(utc),
            failures: hook.failures,
            previous_secret_until: hook
                .previous_secret_until
                .filter(|until| *until > now)
                .map(utc),
            owner_id: hook.owner_id.to_string(),
            created_at: utc(hook.created_at),
        }
    }
}

/// An endpoint with its new secret, shown this once.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_…`: verifies the `webhook-signature` of each delivery. Not shown again.
    pub secret: String,
}

/// One line of an endpoint's delivery log.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: String,
    /// The `webhook-id` header: the same on every attempt and redelivery of one message.
    pub message_id: String,
    pub event_type: String,
    /// `delivered`, `failed`, or `skipped` (not sent: the endpoint was off, or its owner may
    /// not read what the event is about).
    pub outcome: String,
    /// The HTTP status of the answer, if there was one.
    pub status: Option<i32>,
    pub latency_ms: i32,
    /// The start of the answer, or why there was none.
    pub response: String,
    pub attempted_at: DateTime<Utc>,
}

impl DeliveryView {
    pub fn of(attempt: &Attempt) -> DeliveryView {
        DeliveryView {
            id: attempt.id.to_string(),
            message_id: attempt.message_id.clone(),
            event_type: attempt.event_type.clone(),
            outcome: attempt.outcome.clone(),
            status: attempt.status,
            latency_ms: attempt.latency_ms,
            response: attempt.response.clone(),
            attempted_at: utc(attempt.attempted_at),
        }
    }
}

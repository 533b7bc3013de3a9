//! Rows of `webhooks` and `webhook_attempts`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{self, EventType};
use crate::db::schema::{webhook_attempts, webhooks};
use crate::ids::{GroupId, UserId, WebhookId};

/// An endpoint row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: WebhookId,
    /// Who registered it: deliveries carry only what she may read.
    pub owner_id: UserId,
    /// `None`: company-wide (a site admin's).
    pub group_id: Option<GroupId>,
    pub url: String,
    pub event_types: String,
    pub description: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    /// Failed attempts since the last success.
    pub failures: i32,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: String,
    pub created_at: NaiveDateTime,
}

impl Webhook {
    /// The event types it wants.
    pub fn types(&self) -> Vec<EventType> {
        types::split(&self.event_types)
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one
    /// during its overlap window.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// One line of an endpoint's delivery log.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub id: i64,
    pub webhook_id: WebhookId,
    /// The outbox row of the delivery.
    pub outbox_id: i64,
    pub event_id: i64,
    pub event_type: String,
    /// The `webhook-id` header: the same on every attempt and redelivery of one message.
    pub message_id: String,
    pub attempted_at: NaiveDateTime,
    /// `delivered`, `failed` or `skipped`.
    pub outcome: String,
    pub status: Option<i32>,
    pub latency_ms: i32,
    /// The start of the answer, or why there was none.
    pub response: String,
}

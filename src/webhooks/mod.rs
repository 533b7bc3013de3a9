//! Outgoing webhooks: endpoints that site admins (company-wide) and group admins (their group)
//! register for chosen event types.
//!
//! Invariants:
//! - A delivery is an outbox row written in the transaction that consumes its event (`queue`),
//!   so it is sent at least once and never lost; its `webhook-id` is the same on every attempt
//!   and redelivery, for receivers to drop repeats.
//! - What a delivery carries is read when it is sent, through the access policy, as the
//!   endpoint's owner may read it then (`payloads`): a group endpoint only its group; nothing
//!   once the owner lost access or was deactivated.
//! - Every request goes through the safe outbound client, signed per Standard Webhooks
//!   (`signature`); failures are retried with backoff for `webhooks.retry_hours`, and after
//!   `webhooks.disable_after_failures` failed attempts in a row the endpoint is turned off and
//!   its owner told by email (`courier`).

pub mod access;
pub mod actions;
pub mod courier;
mod letters;
pub mod model;
mod payloads;
pub mod queue;
pub mod signature;
pub mod types;
pub mod views;

use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::GroupId;
use crate::outbox::{self, Delivery, WebhookPayload};

pub use model::{Attempt, Webhook};
pub use types::EventType;

/// Queues `delivery` in the caller's transaction; returns its outbox id.
pub fn enqueue(
    conn: &mut DbConnection,
    delivery: &WebhookPayload,
    group_id: Option<GroupId>,
) -> Result<i64> {
    outbox::enqueue(conn, &Delivery::Webhook(delivery.clone()), group_id)
}

/// The `webhook-id` of the message telling `delivery`'s endpoint of its event.
pub fn message_id(delivery: &WebhookPayload) -> String {
    format!("msg_{}_{}", delivery.event_id, delivery.webhook_id)
}

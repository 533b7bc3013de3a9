//! The consumer that turns events of the log into webhook deliveries: for each event of a type
//! an endpoint wants, in its group (or any, for company-wide endpoints), one outbox row,
//! written in the transaction that moves the consumer's cursor.

use diesel::prelude::*;

use super::model::Webhook;
use super::types::EventType;
use crate::db::DbConnection;
use crate::db::schema::webhooks;
use crate::error::Result;
use crate::events::Recorded;
use crate::outbox::WebhookPayload;
use crate::workers::{Appended, Consumer};

/// Queues webhook deliveries.
pub struct WebhookQueue;

impl Consumer for WebhookQueue {
    fn name(&self) -> &'static str {
        "webhook_queue"
    }

    fn apply(&self, conn: &mut DbConnection, events: &[Recorded]) -> Result<Appended> {
        let told: Vec<(EventType, Option<_>, i64)> = events
            .iter()
            .filter_map(|recorded| {
                EventType::of(&recorded.event).map(|(kind, group)| (kind, group, recorded.id))
            })
            .collect();
        if told.is_empty() {
            return Ok(Appended(false));
        }
        // Turned-off endpoints too: their deliveries are logged as skipped, for an admin to
        // send again once the endpoint works.
        let endpoints: Vec<Webhook> = webhooks::table.select(Webhook::as_select()).load(conn)?;
        let mut queued = false;
        for (event_type, group_id, event_id) in told {
            for hook in &endpoints {
                let in_scope = hook.group_id.is_none() || hook.group_id == group_id;
                if in_scope && hook.types().contains(&event_type) {
                    let delivery = WebhookPayload {
                        webhook_id: hook.id,
                        event_id,
                        event_type,
                    };
                    super::enqueue(conn, &delivery, group_id)?;
                    queued = true;
                }
            }
        }
        // Wakes the webhook sender at once rather than at its next poll.
        Ok(Appended(queued))
    }
}

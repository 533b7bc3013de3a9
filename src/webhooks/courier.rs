//! Sends one webhook delivery: reads what it carries as the endpoint's owner may read it now,
//! signs it, POSTs it through the safe outbound client, and writes the attempt into the
//! endpoint's log, counting failures until the endpoint is turned off and its owner told.

use std::time::Instant;

use chrono::Utc;
use diesel::prelude::*;

use super::model::{Attempt, Webhook};
use super::payloads::{self, Body};
use super::{access::manages_endpoints_of, letters, message_id, signature};
use crate::access::Scope;
use crate::accounts::system::users_by_id;
use crate::db::schema::{webhook_attempts, webhooks};
use crate::db::{Db, DbConnection, new_id};
use crate::error::{Error, Result};
use crate::events;
use crate::outbound::{Outbound, Refused};
use crate::outbox::lock::WEBHOOK_SENDER;
use crate::outbox::{Courier, Delivery, Kind, Outcome, WebhookPayload};
use crate::workers::blocking;

/// Most bytes of an answer read: enough for the log's excerpt.
const ANSWER_LIMIT: usize = 4096;
/// Characters of an answer kept in the log.
const EXCERPT_CHARS: usize = 500;

/// Carries webhook deliveries.
pub struct WebhookCourier {
    pub db: Db,
    pub outbound: Outbound,
    /// Failed attempts in a row after which an endpoint is turned off.
    pub disable_after: i32,
    /// Where the owner's email links to.
    pub public_url: String,
}

/// A delivery ready to go, or why it is not sent.
enum Prepared {
    Send {
        hook: Webhook,
        body: Vec<u8>,
    },
    /// Not sent, and written in the log as skipped.
    Skip {
        hook: Webhook,
        reason: String,
    },
    /// The endpoint is gone.
    Gone,
}

/// How an attempt went, for the log.
struct Tried {
    delivered: bool,
    status: Option<i32>,
    response: String,
}

impl Courier for WebhookCourier {
    fn name(&self) -> &'static str {
        "webhook_sender"
    }

    fn kind(&self) -> Kind {
        Kind::Webhook
    }

    fn lock_class(&self) -> i32 {
        WEBHOOK_SENDER
    }

    async fn deliver(&mut self, id: i64, delivery: &Delivery) -> Outcome {
        let Delivery::Webhook(payload) = delivery.clone() else {
            return Outcome::Refused("not a webhook delivery".to_string());
        };
        let db = self.db.clone();
        let read = payload.clone();
        let prepared = match blocking(move || db.read(|conn| prepare(conn, &read))).await {
            Ok(prepared) => prepared,
            Err(error) => return Outcome::Retry(error.detail),
        };
        let (hook, body) = match prepared {
            Prepared::Send { hook, body } => (hook, body),
            Prepared::Skip { hook, reason } => {
                let skipped = Tried {
                    delivered: false,
                    status: None,
                    response: reason.clone(),
                };
                return match self.log(id, &payload, &hook, "skipped", skipped, 0).await {
                    Ok(()) => Outcome::Refused(reason),
                    Err(error) => Outcome::Retry(error.detail),
                };
            }
            Prepared::Gone => return Outcome::Refused("the endpoint was removed".to_string()),
        };
        let started = Instant::now();
        let (tried, outcome) = self.post(&hook, &payload, body).await;
        let latency = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        let result = if tried.delivered {
            "delivered"
        } else {
            "failed"
        };
        match self.log(id, &payload, &hook, result, tried, latency).await {
            Ok(()) => outcome,
            // Sent but not written down: it goes again, with the same webhook-id.
            Err(error) => Outcome::Retry(error.detail),
        }
    }
}

impl WebhookCourier {
    /// POSTs a signed `body` to the endpoint.
    async fn post(
        &self,
        hook: &Webhook,
        payload: &WebhookPayload,
        body: Vec<u8>,
    ) -> (Tried, Outcome) {
        let now = Utc::now();
        let message = message_id(payload);
        let secrets = hook.signing_secrets(now.naive_utc());
        let signed = match signature::sign(&secrets, &message, now.timestamp(), &body) {
            Ok(signed) => signed,
            Err(error) => {
                return failed(None, error.detail.clone(), Outcome::Refused(error.detail));
            }
        };
        let headers = [
            (
                "user-agent",
                format!("Agora webhooks (+{})", self.public_url),
            ),
            ("content-type", "application/json".to_string()),
            ("webhook-id", message),
            ("webhook-timestamp", now.timestamp().to_string()),
            ("webhook-signature", signed),
        ];
        match self
            .outbound
            .post(&hook.url, &headers, body, ANSWER_LIMIT)
            .await
        {
            Ok(answer) => {
                let excerpt: String = String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(EXCERPT_CHARS)
                    .collect();
                let status = i32::from(answer.status);
                if (200..300).contains(&answer.status) {
                    let tried = Tried {
                        delivered: true,
                        status: Some(status),
                        response: excerpt,
                    };
                    return (tried, Outcome::Sent);
                }
                let why = match answer.status {
                    300..400 => format!("answered {status}: redirects are not followed"),
                    _ => format!("answered {status}"),
                };
                let response = if excerpt.is_empty() {
                    why.clone()
                } else {
                    excerpt
                };
                failed(Some(status), response, Outcome::Retry(why))
            }
            // A destination the rules refuse stays refused: trying again changes nothing.
            Err(
                refused @ (Refused::BadUrl(_)
                | Refused::Scheme(_)
                | Refused::UserInfo
                | Refused::Port(_)
                | Refused::Address(_)
                | Refused::Name(_)
                | Refused::Header(_)),
            ) => failed(
                None,
                refused.to_string(),
                Outcome::Refused(refused.to_string()),
            ),
            Err(other) => failed(None, other.to_string(), Outcome::Retry(other.to_string())),
        }
    }

    /// Writes the attempt into the endpoint's log and counts it.
    async fn log(
        &self,
        outbox_id: i64,
        payload: &WebhookPayload,
        hook: &Webhook,
        outcome: &'static str,
        tried: Tried,
        latency_ms: i32,
    ) -> Result<()> {
        let attempt = Attempt {
            id: new_id(),
            webhook_id: hook.id,
            outbox_id,
            event_id: payload.event_id,
            event_type: payload.event_type.as_str().to_string(),
            message_id: message_id(payload),
            attempted_at: Utc::now().naive_utc(),
            outcome: outcome.to_string(),
            status: tried.status,
            latency_ms,
            response: tried.response,
        };
        let counted = match outcome {
            "delivered" => Some(true),
            "failed" => Some(false),
            _ => None,
        };
        let (db, disable_after, link) = (
            self.db.clone(),
            self.disable_after,
            format!("{}/webhooks/{}", self.public_url, hook.id),
        );
        let hook_id = hook.id;
        blocking(move || {
            db.write_quietly(|conn| {
                diesel::insert_into(webhook_attempts::table)
                    .values(&attempt)
                    .execute(conn)?;
                match counted {
                    Some(true) => reset_failures(conn, hook_id),
                    Some(false) => count_failure(conn, hook_id, disable_after, &link),
                    None => Ok(()),
                }
            })
        })
        .await
    }
}

fn failed(status: Option<i32>, response: String, outcome: Outcome) -> (Tried, Outcome) {
    let tried = Tried {
        delivered: false,
        status,
        response: response.chars().take(EXCERPT_CHARS).collect(),
    };
    (tried, outcome)
}

/// What delivery `payload` will carry, if anything.
fn prepare(conn: &mut DbConnection, payload: &WebhookPayload) -> Result<Prepared> {
    let found: Option<Webhook> = webhooks::table
        .find(payload.webhook_id)
        .select(Webhook::as_select())
        .first(conn)
        .optional()?;
    let Some(hook) = found else {
        return Ok(Prepared::Gone);
    };
    let skip = |hook, reason: &str| {
        Ok(Prepared::Skip {
            hook,
            reason: reason.to_string(),
        })
    };
    if hook.disabled_at.is_some() {
        return skip(hook, "the endpoint is turned off");
    }
    let owners = users_by_id(conn, &[hook.owner_id])?;
    let owner = match owners.get(&hook.owner_id) {
        Some(owner) if owner.deactivated_at.is_none() => owner,
        _ => return skip(hook, "the endpoint's owner was deactivated"),
    };
    let scope = Scope::resolve(conn, &owner.viewer())?;
    if !manages_endpoints_of(conn, &scope, hook.group_id)? {
        return skip(hook, "the endpoint's owner no longer manages it");
    }
    let batch = events::read_after(conn, payload.event_id - 1, 1, "webhook_sender")?;
    let Some(recorded) = batch.events.into_iter().find(|e| e.id == payload.event_id) else {
        return skip(hook, "the event can no longer be read");
    };
    match payloads::body(conn, &scope, &hook, payload.event_type, &recorded)? {
        Body::Json(body) => Ok(Prepared::Send { hook, body }),
        Body::Skipped(reason) => skip(hook, &reason),
    }
}

fn reset_failures(conn: &mut DbConnection, id: crate::ids::WebhookId) -> Result<()> {
    diesel::update(webhooks::table.find(id).filter(webhooks::failures.ne(0)))
        .set(webhooks::failures.eq(0))
        .execute(conn)?;
    Ok(())
}

/// Counts a failed attempt; at `disable_after` in a row the endpoint is turned off and its
/// owner emailed, in the same transaction.
fn count_failure(
    conn: &mut DbConnection,
    id: crate::ids::WebhookId,
    disable_after: i32,
    link: &str,
) -> Result<()> {
    diesel::update(webhooks::table.find(id))
        .set(webhooks::failures.eq(webhooks::failures + 1))
        .execute(conn)?;
    let reason = format!("{disable_after} failed attempts in a row");
    let turned_off = diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::disabled_at.is_null())
            .filter(webhooks::failures.ge(disable_after)),
    )
    .set((
        webhooks::disabled_at.eq(Utc::now().naive_utc()),
        webhooks::disabled_reason.eq(&reason),
    ))
    .execute(conn)?;
    if turned_off == 0 {
        return Ok(());
    }
    let hook: Webhook = webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)?;
    let owners = users_by_id(conn, &[hook.owner_id])?;
    let owner = owners
        .get(&hook.owner_id)
        .ok_or_else(|| Error::internal("a webhook's owner is missing"))?;
    let mail = letters::turned_off(&owner.email, &hook.url, &reason, link)?;
    crate::mail::enqueue(conn, &mail.about_group(hook.group_id))?;
    tracing::warn!(webhook = %id, %reason, "webhook turned off");
    Ok(())
}

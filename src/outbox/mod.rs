//! The outbox: everything delivered outside the database (mail now; webhooks and pushes
//! later) is a row written in the transaction that decided it, and sent afterwards by one
//! worker per kind ([`OutboxWorker`]), in one process per database. A failed attempt waits
//! 1 s, 2 s, 4 s, … (at most an hour, each with ±25 % jitter so a recovering peer is not hit by
//! every delivery at once); a delivery refused for good, or still failing after
//! `outbox.max_attempts` attempts, is dead until an admin sends it again. A delivery is marked
//! sent only after its peer accepted it, so a crash in between sends it again: at least once,
//! never lost.

pub mod admin;
pub mod lock;
mod sender;

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::replanned::replanned;
use crate::db::schema::outbox;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result};
use crate::ids::GroupId;

pub use sender::{Courier, OutboxWorker, Outcome};

/// What kind of delivery a row holds: the `kind` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Mail,
    Webhook,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Mail, Kind::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mail => "mail",
            Kind::Webhook => "webhook",
        }
    }
}

/// One thing to deliver: the row's `kind` is the tag, its `payload` the content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Delivery {
    Mail(MailPayload),
    Webhook(WebhookPayload),
}

impl Delivery {
    pub fn kind(&self) -> Kind {
        match self {
            Delivery::Mail(_) => Kind::Mail,
            Delivery::Webhook(_) => Kind::Webhook,
        }
    }
}

/// An email as the outbox keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPayload {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Empty: a plain-text email.
    #[serde(default)]
    pub html: String,
    /// Extra headers, such as `List-Unsubscribe`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A webhook delivery as the outbox keeps it: which event for which endpoint. What it
/// carries is read when it is sent, as the endpoint's owner may read it then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPayload {
    pub webhook_id: crate::ids::WebhookId,
    /// The event of the log it tells of.
    pub event_id: i64,
    pub event_type: crate::webhooks::EventType,
}

/// Queues `delivery` in the caller's transaction, due now; `group_id` names the group it is
/// about, if any (see `admin`). Returns its id.
pub fn enqueue(
    conn: &mut DbConnection,
    delivery: &Delivery,
    group_id: Option<GroupId>,
) -> Result<i64> {
    let (kind, payload) = encode(delivery)?;
    let id = new_id();
    let now = Utc::now().naive_utc();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(id),
            outbox::kind.eq(kind),
            outbox::payload.eq(payload),
            outbox::group_id.eq(group_id),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The `kind` and `payload` columns of `delivery`.
fn encode(delivery: &Delivery) -> Result<(String, String)> {
    let mut value = serde_json::to_value(delivery).map_err(Error::internal)?;
    let kind = value["kind"].as_str().unwrap_or_default().to_string();
    Ok((kind, value["payload"].take().to_string()))
}

/// The delivery a row holds; an error says why it cannot be read.
fn decode(kind: &str, payload: &str) -> std::result::Result<Delivery, String> {
    let payload: Value = serde_json::from_str(payload).map_err(|e| format!("payload: {e}"))?;
    let tagged = serde_json::json!({"kind": kind, "payload": payload});
    serde_json::from_value(tagged).map_err(|e| format!("{kind} payload: {e}"))
}

/// How many deliveries of a kind wait, and how many are dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Depth {
    pub kind: Kind,
    pub queued: i64,
    pub dead: i64,
}

/// The outbox's depth now, by kind.
pub fn depth(conn: &mut DbConnection) -> Result<Vec<Depth>> {
    let mut depths = Vec::new();
    for kind in Kind::ALL {
        let unsent = outbox::table
            .filter(outbox::kind.eq(kind.as_str()))
            .filter(outbox::sent_at.is_null());
        let dead: i64 = unsent
            .filter(outbox::dead_at.is_not_null())
            .count()
            .get_result(conn)?;
        let queued: i64 = unsent
            .filter(outbox::dead_at.is_null())
            .count()
            .get_result(conn)?;
        depths.push(Depth { kind, queued, dead });
    }
    Ok(depths)
}

/// A delivery due now, as its sender takes it.
#[derive(Debug)]
pub struct Due {
    pub id: i64,
    pub attempts: i32,
    pub delivery: std::result::Result<Delivery, String>,
}

/// Up to `limit` deliveries of `kind` due now, oldest due first.
pub fn due(conn: &mut DbConnection, kind: Kind, limit: i64) -> Result<Vec<Due>> {
    let waiting = outbox::table
        .filter(outbox::kind.eq(kind.as_str()))
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dead_at.is_null())
        .filter(outbox::next_attempt_at.le(Utc::now().naive_utc()))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select((outbox::id, outbox::attempts, outbox::payload));
    let rows: Vec<(i64, i32, String)> = replanned(waiting).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, attempts, payload)| Due {
            id,
            attempts,
            delivery: decode(kind.as_str(), &payload),
        })
        .collect())
}

/// Writes down how an attempt at delivery `id` went; after `max_attempts` failures it is dead.
pub fn record(
    conn: &mut DbConnection,
    id: i64,
    attempts: i32,
    outcome: &Outcome,
    max_attempts: i32,
) -> Result<()> {
    let now = Utc::now().naive_utc();
    let row = outbox::table.find(id);
    let tried = attempts + 1;
    match outcome {
        Outcome::Sent => diesel::update(row)
            .set((outbox::sent_at.eq(now), outbox::attempts.eq(tried)))
            .execute(conn)?,
        Outcome::Retry(error) if tried < max_attempts => diesel::update(row)
            .set((
                outbox::attempts.eq(tried),
                outbox::next_attempt_at.eq(retry_at(now, attempts, rand::random())),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
        Outcome::Retry(error) | Outcome::Refused(error) => diesel::update(row)
            .set((
                outbox::attempts.eq(tried),
                outbox::dead_at.eq(now),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Longest wait between two attempts at one delivery.
const MAX_BACKOFF_SECS: f64 = 3600.0;

/// Attempts whose nominal waits (1 s, 2 s, 4 s, … at most an hour) add up to `hours`: the
/// `max_attempts` of a kind retried for that long.
pub fn attempts_within(hours: i64) -> i32 {
    let window = hours.max(0) as f64 * 3600.0;
    let (mut attempts, mut waited) = (1, 0.0);
    while waited < window && attempts < 10_000 {
        waited += f64::from(1u32 << (attempts - 1).clamp(0, 12)).min(MAX_BACKOFF_SECS);
        attempts += 1;
    }
    attempts
}

/// When to try again after `attempts` earlier failures: 1 s, 2 s, 4 s, … at most an hour,
/// stretched or shrunk by a quarter at most (`jitter` in 0..1).
fn retry_at(now: NaiveDateTime, attempts: i32, jitter: f64) -> NaiveDateTime {
    let wait = f64::from(1u32 << attempts.clamp(0, 12)).min(MAX_BACKOFF_SECS);
    let wait = wait * (0.75 + jitter.clamp(0.0, 1.0) / 2.0);
    now + chrono::Duration::milliseconds((wait * 1000.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_an_hour_within_a_quarter() {
        let now = NaiveDateTime::default();
        let wait = |attempts, jitter| (retry_at(now, attempts, jitter) - now).num_milliseconds();
        assert_eq!(wait(0, 0.5), 1000);
        assert_eq!(wait(3, 0.5), 8000);
        assert_eq!(wait(3, 0.0), 6000);
        assert_eq!(wait(3, 0.999_999), 9999);
        assert_eq!(wait(30, 0.5), 3_600_000);
        assert_eq!(wait(30, 1.0), 4_500_000);
    }

    #[test]
    fn a_day_of_retries_is_thirty_six_attempts() {
        // 4095 s for the first 12 waits, then 23 waits of an hour reach a day: 35 waits
        // between 36 attempts.
        assert_eq!(attempts_within(24), 36);
        assert_eq!(attempts_within(0), 1);
        assert_eq!(attempts_within(1), 13);
    }

    #[test]
    fn a_mail_row_reads_back_as_written() {
        let mail = Delivery::Mail(MailPayload {
            to: "ann@example.com".into(),
            subject: "Hi".into(),
            text: "Hello".into(),
            html: String::new(),
            headers: BTreeMap::from([("List-Unsubscribe".into(), "<https://x>".into())]),
        });
        let (kind, payload) = encode(&mail).unwrap();
        assert_eq!(kind, "mail");
        assert_eq!(decode(&kind, &payload), Ok(mail));
        assert!(decode("mail", "{\"to\":1}").is_err());
        assert!(decode("pigeon", "{}").is_err());
    }
}

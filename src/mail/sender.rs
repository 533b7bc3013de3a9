//! The one task that sends the outbox — in one process per database, the holder of the
//! sender lock (`sender_lock`): oldest due first; after a failure the message waits
//! 1 s, then 2, 4, … up to an hour; a permanent refusal (5xx) is recorded and not retried.
//!
//! A message is marked sent only after the server accepted it, so a crash in between sends it
//! again on restart; its Message-ID (`<outbox id@sender domain>`) stays the same, so the copy
//! can be recognised downstream.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{MultiPart, SinglePart};

use super::sender_lock::{MAIL_SENDER, SenderLock};
use super::transport::{Outcome, Transport};
use crate::config::Config;
use crate::db::Db;
use crate::db::schema::mail_outbox;
use crate::error::{Error, Result};
use crate::workers::{Pass, Wake, Worker};

/// Messages taken from the outbox at a time.
const BATCH: i64 = 20;
/// Longest wait between two attempts at one message.
const MAX_BACKOFF_SECS: i64 = 3600;
/// How often the outbox is read when no commit in this process wakes the sender.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Queryable)]
struct Queued {
    id: i64,
    to_address: String,
    subject: String,
    text_body: String,
    html_body: String,
    headers: String,
    attempts: i32,
}

/// The sender as a worker: in the process holding the sender lock, it tries what is due
/// after every commit, and once a second.
pub struct MailSender {
    db: Db,
    transport: Transport,
    from: String,
    /// Taken out while a blocking check of the lock runs.
    lock: Option<SenderLock>,
    new_lock: Box<dyn Fn() -> SenderLock + Send>,
}

impl MailSender {
    /// The sender for `config`; `None` (logged) when its transport cannot be made, and mail
    /// stays in the outbox.
    pub fn new(db: &Db, config: &Config) -> Option<MailSender> {
        let smtp_url = config.smtp_url.as_ref().map(|s| s.0.clone());
        let transport = match Transport::new(smtp_url.as_deref(), config.data_dir.join("mail")) {
            Ok(transport) => transport,
            Err(error) => {
                tracing::error!(%error, "mail cannot be sent; it stays in the outbox");
                return None;
            }
        };
        let (url, backend) = (config.database_url(), db.backend());
        let new_lock = Box::new(move || SenderLock::new(&url, backend, MAIL_SENDER));
        Some(MailSender {
            db: db.clone(),
            transport,
            from: config.mail_from.clone(),
            lock: Some(new_lock()),
            new_lock,
        })
    }

    /// Whether this process holds the sender lock (checked off the async threads).
    async fn holds_lock(&mut self) -> bool {
        let mut lock = self.lock.take().unwrap_or_else(|| (self.new_lock)());
        let checked = tokio::task::spawn_blocking(move || {
            let held = lock.hold();
            (lock, held)
        })
        .await;
        match checked {
            Ok((lock, held)) => {
                self.lock = Some(lock);
                held
            }
            Err(error) => {
                tracing::error!(%error, "mail sender lock check panicked; starting over");
                false
            }
        }
    }
}

impl Worker for MailSender {
    fn name(&self) -> &'static str {
        "mail_sender"
    }

    fn wake(&self) -> Wake {
        Wake::OnCommit(POLL)
    }

    async fn pass(&mut self) -> Result<Pass> {
        if !self.holds_lock().await {
            return Ok(Pass::default());
        }
        let sent = send_due(&self.db, &self.transport, &self.from).await?;
        Ok(Pass {
            more: sent > 0,
            position: None,
        })
    }
}

/// Tries every message due now; returns how many were tried.
async fn send_due(db: &Db, transport: &Transport, from: &str) -> Result<usize> {
    let reader = db.clone();
    let due: Vec<Queued> = tokio::task::spawn_blocking(move || {
        reader.read(|conn| {
            Ok(mail_outbox::table
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::failed_at.is_null())
                .filter(mail_outbox::next_attempt_at.le(Utc::now().naive_utc()))
                .order((mail_outbox::next_attempt_at.asc(), mail_outbox::id.asc()))
                .limit(BATCH)
                .select((
                    mail_outbox::id,
                    mail_outbox::to_address,
                    mail_outbox::subject,
                    mail_outbox::text_body,
                    mail_outbox::html_body,
                    mail_outbox::headers,
                    mail_outbox::attempts,
                ))
                .load(conn)?)
        })
    })
    .await
    .map_err(Error::internal)??;
    for queued in &due {
        let outcome = match message(queued, from) {
            Ok(message) => transport.deliver(queued.id, message).await,
            Err(problem) => Outcome::Refused(problem),
        };
        match &outcome {
            Outcome::Sent => tracing::info!(id = queued.id, "mail sent"),
            Outcome::Retry(error) => tracing::warn!(id = queued.id, %error, "mail delayed"),
            Outcome::Refused(error) => tracing::error!(id = queued.id, %error, "mail refused"),
        }
        let (writer, id, attempts) = (db.clone(), queued.id, queued.attempts);
        tokio::task::spawn_blocking(move || record(&writer, id, attempts, outcome))
            .await
            .map_err(Error::internal)??;
    }
    Ok(due.len())
}

/// Writes down how an attempt went.
fn record(db: &Db, id: i64, attempts: i32, outcome: Outcome) -> Result<()> {
    let now = Utc::now().naive_utc();
    let row = mail_outbox::table.find(id);
    db.write_quietly(|conn| {
        match outcome {
            Outcome::Sent => diesel::update(row)
                .set((
                    mail_outbox::sent_at.eq(now),
                    mail_outbox::attempts.eq(attempts + 1),
                ))
                .execute(conn)?,
            Outcome::Retry(error) => diesel::update(row)
                .set((
                    mail_outbox::attempts.eq(attempts + 1),
                    mail_outbox::next_attempt_at.eq(retry_at(now, attempts)),
                    mail_outbox::last_error.eq(error),
                ))
                .execute(conn)?,
            Outcome::Refused(error) => diesel::update(row)
                .set((
                    mail_outbox::attempts.eq(attempts + 1),
                    mail_outbox::failed_at.eq(now),
                    mail_outbox::last_error.eq(error),
                ))
                .execute(conn)?,
        };
        Ok(())
    })
}

/// When to try again after `attempts` earlier failures: 1 s, 2 s, 4 s, … at most an hour.
fn retry_at(now: NaiveDateTime, attempts: i32) -> NaiveDateTime {
    let wait = 1i64 << attempts.clamp(0, 12);
    now + chrono::Duration::seconds(wait.min(MAX_BACKOFF_SECS))
}

/// The message for a queued row; a problem with it (a bad address) is permanent.
fn message(queued: &Queued, from: &str) -> std::result::Result<Message, String> {
    let domain = from
        .rsplit('@')
        .next()
        .unwrap_or("localhost")
        .trim_end_matches('>');
    let mut builder = Message::builder()
        .from(
            from.parse()
                .map_err(|e| format!("mail_from {from:?}: {e}"))?,
        )
        .to(queued
            .to_address
            .parse()
            .map_err(|e| format!("to {:?}: {e}", queued.to_address))?)
        .subject(&queued.subject)
        .message_id(Some(format!("<{}@{domain}>", queued.id)));
    let headers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&queued.headers).map_err(|e| format!("headers: {e}"))?;
    for (name, value) in headers {
        let name = HeaderName::new_from_ascii(name).map_err(|e| format!("header: {e}"))?;
        builder = builder.raw_header(HeaderValue::new(
            name,
            value.as_str().unwrap_or("").to_string(),
        ));
    }
    let text = SinglePart::plain(queued.text_body.clone());
    let built = if queued.html_body.is_empty() {
        builder.singlepart(text)
    } else {
        builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::html(queued.html_body.clone())),
        )
    };
    built.map_err(|e| format!("message: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_to_an_hour() {
        let now = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let waits: Vec<i64> = [0, 1, 2, 11, 30]
            .iter()
            .map(|&a| (super::retry_at(now, a) - now).num_seconds())
            .collect();
        assert_eq!(waits, [1, 2, 4, 2048, 3600]);
    }
}

//! Email. Every message is written to the `mail_outbox` table in the transaction of what it
//! tells about, and sent by one task (`sender`) that retries with backoff, so an SMTP outage
//! delays mail and never loses it, and a rolled-back change never sends any.

pub mod outbox;
pub mod sender;
pub mod sender_lock;
mod transport;

use chrono::Utc;
use diesel::prelude::*;

use crate::db::schema::mail_outbox;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result};

/// An email to send.
#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Empty: a plain-text email.
    pub html: String,
    /// Extra headers, such as `List-Unsubscribe`.
    pub headers: Vec<(String, String)>,
    /// The group the message is about, if any: its subject may name the group, so admins
    /// who may not see the group are not shown the subject.
    pub group_id: Option<i64>,
}

impl Mail {
    /// This mail, marked as being about `group_id`.
    pub fn about_group(self, group_id: Option<i64>) -> Mail {
        Mail { group_id, ..self }
    }
}

/// Queues `mail` in the caller's transaction; returns its outbox id.
pub fn enqueue(conn: &mut DbConnection, mail: &Mail) -> Result<i64> {
    let id = new_id();
    let now = Utc::now().naive_utc();
    let headers: serde_json::Map<String, serde_json::Value> = mail
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(id),
            mail_outbox::to_address.eq(&mail.to),
            mail_outbox::subject.eq(&mail.subject),
            mail_outbox::text_body.eq(&mail.text),
            mail_outbox::html_body.eq(&mail.html),
            mail_outbox::headers.eq(serde_json::to_string(&headers).map_err(Error::internal)?),
            mail_outbox::created_at.eq(now),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::group_id.eq(mail.group_id),
        ))
        .execute(conn)?;
    Ok(id)
}

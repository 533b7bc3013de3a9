//! Email. Every message is a delivery in the outbox (`crate::outbox`), written in the
//! transaction of what it tells about and sent by the outbox's mail sender with this area's
//! courier (`sender`), so an SMTP outage delays mail and never loses it, and a rolled-back
//! change never sends any.

pub mod admin;
pub mod sender;
mod transport;

use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::ids::GroupId;
use crate::outbox::{self, Delivery, MailPayload};

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
    pub group_id: Option<GroupId>,
}

impl Mail {
    /// This mail, marked as being about `group_id`.
    pub fn about_group(self, group_id: Option<GroupId>) -> Mail {
        Mail { group_id, ..self }
    }
}

/// A mail to `to` from a letter's two templates (each extends `email/base.html`; the text part
/// renders the same fields as the HTML one).
pub fn compose(
    to: &str,
    subject: &str,
    html: &impl askama::Template,
    text: &impl askama::Template,
) -> Result<Mail> {
    Ok(Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        text: text.render().map_err(Error::internal)?,
        html: html.render().map_err(Error::internal)?,
        headers: Vec::new(),
        group_id: None,
    })
}

/// Queues `mail` in the caller's transaction; returns its outbox id.
pub fn enqueue(conn: &mut DbConnection, mail: &Mail) -> Result<i64> {
    let payload = MailPayload {
        to: mail.to.clone(),
        subject: mail.subject.clone(),
        text: mail.text.clone(),
        html: mail.html.clone(),
        headers: mail.headers.iter().cloned().collect(),
    };
    outbox::enqueue(conn, &Delivery::Mail(payload), mail.group_id)
}

//! The mail courier: builds each queued mail into a message and hands it to the SMTP server
//! (or the `.eml` directory). The outbox's sender loop (`outbox::OutboxWorker`) runs it.
//!
//! A message's Message-ID is `<outbox id@sender domain>`: a copy sent again after a crash can
//! be recognised downstream.

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{MultiPart, SinglePart};

use super::transport::Transport;
use crate::config::Config;
use crate::outbox::lock::MAIL_SENDER;
use crate::outbox::{Courier, Delivery, Kind, MailPayload, Outcome};

/// Carries mail to its server.
pub struct MailCourier {
    transport: Transport,
    from: String,
}

impl MailCourier {
    /// The courier for `config`; `None` (logged) when its transport cannot be made, and mail
    /// stays in the outbox.
    pub fn new(config: &Config) -> Option<MailCourier> {
        let smtp_url = config.smtp_url.as_ref().map(|s| s.0.clone());
        match Transport::new(smtp_url.as_deref(), config.data_dir.join("mail")) {
            Ok(transport) => Some(MailCourier {
                transport,
                from: config.mail_from.clone(),
            }),
            Err(error) => {
                tracing::error!(%error, "mail cannot be sent; it stays in the outbox");
                None
            }
        }
    }
}

impl Courier for MailCourier {
    fn name(&self) -> &'static str {
        "mail_sender"
    }

    fn kind(&self) -> Kind {
        Kind::Mail
    }

    fn lock_class(&self) -> i32 {
        MAIL_SENDER
    }

    async fn deliver(&mut self, id: i64, delivery: &Delivery) -> Outcome {
        let Delivery::Mail(mail) = delivery else {
            return Outcome::Refused("not a mail".to_string());
        };
        match message(id, mail, &self.from) {
            Ok(message) => self.transport.deliver(id, message).await,
            // A message that cannot be built (a bad address) never will be.
            Err(problem) => Outcome::Refused(problem),
        }
    }
}

/// The message for outbox row `id`.
fn message(id: i64, mail: &MailPayload, from: &str) -> Result<Message, String> {
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
        .to(mail
            .to
            .parse()
            .map_err(|e| format!("to {:?}: {e}", mail.to))?)
        .subject(&mail.subject)
        .message_id(Some(format!("<{id}@{domain}>")));
    for (name, value) in &mail.headers {
        let name = HeaderName::new_from_ascii(name.clone()).map_err(|e| format!("header: {e}"))?;
        builder = builder.raw_header(HeaderValue::new(name, value.clone()));
    }
    let text = SinglePart::plain(mail.text.clone());
    let built = if mail.html.is_empty() {
        builder.singlepart(text)
    } else {
        builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::html(mail.html.clone())),
        )
    };
    built.map_err(|e| format!("message: {e}"))
}

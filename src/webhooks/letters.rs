//! The email of the webhooks area, from the templates under `web/templates/email/`.

use askama::Template;

use crate::error::Result;
use crate::mail::{self, Mail};

#[derive(Template)]
#[template(path = "email/webhook_turned_off/webhook_turned_off.html")]
struct TurnedOff<'a> {
    subject: String,
    url: &'a str,
    reason: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "email/webhook_turned_off/webhook_turned_off.txt")]
struct TurnedOffText<'a> {
    letter: &'a TurnedOff<'a>,
}

/// Tells `to`, an endpoint's owner, that it was turned off for `reason`.
pub fn turned_off(to: &str, url: &str, reason: &str, link: &str) -> Result<Mail> {
    let letter = TurnedOff {
        subject: "Your Agora webhook was turned off".to_string(),
        url,
        reason,
        link,
    };
    let text = TurnedOffText { letter: &letter };
    mail::compose(to, &letter.subject, &letter, &text)
}

//! The email of the exports area, from the templates under `web/templates/email/`.

use askama::Template;

use crate::error::Result;
use crate::mail::{self, Mail};

#[derive(Template)]
#[template(path = "email/export_ready/export_ready.html")]
struct Ready<'a> {
    subject: String,
    link: &'a str,
    expires: &'a str,
    size: &'a str,
}

#[derive(Template)]
#[template(path = "email/export_ready/export_ready.txt")]
struct ReadyText<'a> {
    letter: &'a Ready<'a>,
}

/// Tells `to` that her export is ready at `link` (which only her own session opens) until
/// `expires`.
pub fn ready(to: &str, link: &str, expires: &str, size: &str) -> Result<Mail> {
    let letter = Ready {
        subject: "Your Agora export is ready".to_string(),
        link,
        expires,
        size,
    };
    let text = ReadyText { letter: &letter };
    mail::compose(to, &letter.subject, &letter, &text)
}

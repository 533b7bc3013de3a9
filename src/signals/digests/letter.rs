//! The digest email: HTML with inline styles (tables, explicit colours on every element and a
//! dark scheme for clients that honour `prefers-color-scheme`) plus plain text, and the
//! RFC 8058 headers that let a mail client unsubscribe in one click.

use askama::Template;

use super::compose::{Digest, DigestItem};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::mail::Mail;

/// The HTML part; the text part renders the same fields.
#[derive(Template)]
#[template(path = "email/digest/digest.html")]
struct Letter<'a> {
    subject: String,
    name: &'a str,
    intro: String,
    period: &'static str,
    items: &'a [DigestItem],
    more: usize,
    home: String,
    settings: String,
    unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "email/digest/digest.txt")]
struct TextLetter<'a> {
    letter: &'a Letter<'a>,
}

/// The email of `digest`, with `unsubscribe` as its one-click unsubscribe URL.
pub fn letter(config: &Config, digest: &Digest, unsubscribe: &str) -> Result<Mail> {
    let total = digest.items.len() + digest.more;
    let period = digest.period.as_str();
    let posts = if total == 1 { "post" } else { "posts" };
    let base = config.public_url();
    let letter = Letter {
        subject: format!("Your {period} Agora digest: {total} {posts} for you"),
        name: &digest.name,
        intro: format!(
            "Here is what you have not seen yet from the people, tags and groups you follow ({total} {posts})."
        ),
        period,
        items: &digest.items,
        more: digest.more,
        home: format!("{base}/"),
        settings: format!("{base}/settings/email"),
        unsubscribe,
    };
    let html = letter.render().map_err(Error::internal)?;
    let text = TextLetter { letter: &letter }
        .render()
        .map_err(Error::internal)?;
    Ok(Mail {
        to: digest.email.clone(),
        subject: letter.subject.clone(),
        text,
        html,
        headers: vec![
            ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ],
        group_id: None,
    })
}

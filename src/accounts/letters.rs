//! The emails of the accounts area, from the templates under `web/templates/email/`.

use askama::Template;

use crate::error::Result;
use crate::mail::{self, Mail};

#[derive(Template)]
#[template(path = "email/sign_in_link/sign_in_link.html")]
struct SignInLink<'a> {
    subject: &'a str,
    link: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "email/sign_in_link/sign_in_link.txt")]
struct SignInLinkText<'a> {
    letter: &'a SignInLink<'a>,
}

/// A one-time sign-in link, valid for `minutes`.
pub fn sign_in_link(to: &str, link: &str, minutes: i64) -> Result<Mail> {
    let letter = SignInLink {
        subject: "Your sign-in link for Agora",
        link,
        minutes,
    };
    let text = SignInLinkText { letter: &letter };
    mail::compose(to, letter.subject, &letter, &text)
}

//! The email sent at once for a notification, from the templates under
//! `web/templates/email/notification/`. It quotes only what the recipient may read: the
//! notifier checked that first.

use askama::Template;

use crate::error::Result;
use crate::mail::{self, Mail};

/// What one notification email says.
#[derive(Debug)]
pub struct Letter<'a> {
    pub to: &'a str,
    /// "Ann mentioned you".
    pub sentence: &'a str,
    /// The start of the post or comment, if any.
    pub quote: Option<&'a str>,
    /// The absolute link to it.
    pub link: &'a str,
    /// The absolute link to the notification settings.
    pub settings: &'a str,
}

#[derive(Template)]
#[template(path = "email/notification/notification.html")]
struct Html<'a> {
    subject: String,
    sentence: &'a str,
    quote: Option<&'a str>,
    link: &'a str,
    settings: &'a str,
}

#[derive(Template)]
#[template(path = "email/notification/notification.txt")]
struct Text<'a> {
    letter: &'a Html<'a>,
}

/// The email for `letter`.
pub fn notification(letter: &Letter<'_>) -> Result<Mail> {
    let html = Html {
        subject: format!("{} on Agora", letter.sentence),
        sentence: letter.sentence,
        quote: letter.quote,
        link: letter.link,
        settings: letter.settings,
    };
    let text = Text { letter: &html };
    mail::compose(letter.to, &html.subject, &html, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_escapes_what_it_quotes() {
        let mail = notification(&Letter {
            to: "ann@example.com",
            sentence: "Bo mentioned you",
            quote: Some("<b>hi</b>"),
            link: "https://agora.test/posts/1",
            settings: "https://agora.test/settings/notifications",
        })
        .unwrap();
        assert_eq!(mail.subject, "Bo mentioned you on Agora");
        assert!(mail.text.contains("“<b>hi</b>”"));
        assert!(
            mail.html.contains("&#60;b&#62;hi&#60;/b&#62;")
                || mail.html.contains("&lt;b&gt;hi&lt;/b&gt;"),
            "{}",
            mail.html
        );
    }
}

//! The email sent at once for a notification, as plain text and simple HTML with inline
//! styles. It quotes only what the recipient may read: the notifier checked that first.

use crate::html::escape;
use crate::mail::Mail;

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

/// The email for `letter`.
pub fn notification(letter: &Letter<'_>) -> Mail {
    let Letter {
        to,
        sentence,
        quote,
        link,
        settings,
    } = letter;
    let subject = format!("{sentence} on Agora");
    let quoted_text = quote.map(|q| format!("“{q}”\n\n")).unwrap_or_default();
    let text = format!(
        "{sentence}.\n\n{quoted_text}Open it on Agora:\n{link}\n\n\
         You get this email because of your notification settings: {settings}\n"
    );
    let quoted_html = quote
        .map(|q| {
            format!(
                "<blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:3px solid #8c959f;\
                 color:inherit\">{}</blockquote>",
                escape(q)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<div style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;max-width:560px\">\
         <p>{sentence}.</p>{quoted_html}\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:8px 16px;border-radius:6px;\
         background:#0969da;color:#ffffff;text-decoration:none;font-weight:600\">Open on Agora</a></p>\
         <p style=\"color:#57606a;font-size:14px\">You get this email because of your \
         <a href=\"{settings}\" style=\"color:#0969da\">notification settings</a>.</p></div>",
        sentence = escape(sentence),
        link = escape(link),
        settings = escape(settings),
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        headers: Vec::new(),
        group_id: None,
    }
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
        });
        assert_eq!(mail.subject, "Bo mentioned you on Agora");
        assert!(mail.text.contains("“<b>hi</b>”"));
        assert!(mail.html.contains("&lt;b&gt;hi&lt;/b&gt;"));
    }
}

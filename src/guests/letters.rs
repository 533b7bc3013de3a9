//! The emails of the guests area, from the templates under `web/templates/email/`.

use askama::Template;

use crate::error::Result;
use crate::mail::{self, Mail};

#[derive(Template)]
#[template(path = "email/invitation/invitation.html")]
struct Invitation<'a> {
    subject: String,
    inviter: &'a str,
    group: &'a str,
    link: &'a str,
    days: i64,
}

#[derive(Template)]
#[template(path = "email/invitation/invitation.txt")]
struct InvitationText<'a> {
    letter: &'a Invitation<'a>,
}

/// The invitation to `group`, from `inviter`, with the link to accept it.
pub fn invitation(to: &str, inviter: &str, group: &str, link: &str, days: i64) -> Result<Mail> {
    let letter = Invitation {
        subject: format!("{inviter} invited you to {group} on Agora"),
        inviter,
        group,
        link,
        days,
    };
    let text = InvitationText { letter: &letter };
    mail::compose(to, &letter.subject, &letter, &text)
}

#[derive(Template)]
#[template(path = "email/extend_reminder/extend_reminder.html")]
struct ExtendReminder<'a> {
    subject: String,
    guest: &'a str,
    days: i64,
    link: &'a str,
    period: i64,
}

#[derive(Template)]
#[template(path = "email/extend_reminder/extend_reminder.txt")]
struct ExtendReminderText<'a> {
    letter: &'a ExtendReminder<'a>,
}

/// Asks `to`, a sponsor, to extend the access of `guest`, which ends in `days` days.
pub fn extend_reminder(to: &str, guest: &str, days: i64, link: &str, period: i64) -> Result<Mail> {
    let letter = ExtendReminder {
        subject: format!("{guest}'s guest access to Agora ends in {days} days"),
        guest,
        days,
        link,
        period,
    };
    let text = ExtendReminderText { letter: &letter };
    mail::compose(to, &letter.subject, &letter, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_escapes_names_in_html_only() {
        let mail = invitation(
            "c@customer.example",
            "Ann <A&B>",
            "Beta",
            "https://agora.test/a?x=1&y=2",
            7,
        )
        .unwrap();
        assert_eq!(mail.subject, "Ann <A&B> invited you to Beta on Agora");
        assert!(
            mail.text.contains("Ann <A&B> invited you")
                && mail.text.contains("https://agora.test/a?x=1&y=2")
        );
        assert!(
            mail.html.contains("Ann &#60;A&#38;B&#62;")
                || mail.html.contains("Ann &lt;A&amp;B&gt;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<A&B>"));
    }
}

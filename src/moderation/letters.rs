//! The emails of moderation: the outcome to each reporter, and to the author what was done
//! with what she wrote. Neither names anyone: the author never learns who reported her.

use askama::Template;

use super::model::{Item, Outcome, Report, Sanction};
use crate::accounts;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::UserId;
use crate::mail;

#[derive(Template)]
#[template(path = "email/moderation/moderation.html")]
struct Notice {
    subject: String,
    lines: Vec<String>,
    /// The moderator's words to the author, quoted.
    message: String,
    /// Where the author sees what was hidden.
    link: Option<String>,
    footer: &'static str,
}

#[derive(Template)]
#[template(path = "email/moderation/moderation.txt")]
struct NoticeText<'a> {
    letter: &'a Notice,
}

/// Queues the emails for a decision on `report`'s item: to `reporters`, and to its author.
pub fn tell(
    conn: &mut DbConnection,
    report: &Report,
    outcome: Outcome,
    sanction: Option<Sanction>,
    message: &str,
    reporters: &[UserId],
    site: &str,
) -> Result<()> {
    let what = match report.item() {
        Item::Post(_) => "post",
        Item::Comment(_) => "comment",
    };
    let mut people = reporters.to_vec();
    people.push(report.author_id);
    let users = accounts::system::users_by_id(conn, &people)?;
    let outcome_line = match outcome {
        Outcome::Dismissed => format!("A moderator looked at the {what} and left it as it is."),
        Outcome::Hidden => format!("A moderator hid the {what}: nobody sees it any more."),
        Outcome::Deleted | Outcome::Removed => format!("A moderator deleted the {what}."),
    };
    for reporter in reporters {
        let Some(user) = users.get(reporter).filter(|u| u.is_active()) else {
            continue;
        };
        let letter = Notice {
            subject: format!("Your report of a {what} was reviewed"),
            lines: vec![
                format!("Thank you for reporting a {what} on Agora."),
                outcome_line.clone(),
            ],
            message: String::new(),
            link: None,
            footer: "You get this email because you reported this.",
        };
        send(conn, &user.email, &letter, report)?;
    }
    let mut lines = match outcome {
        Outcome::Dismissed | Outcome::Removed => Vec::new(),
        Outcome::Hidden => vec![format!(
            "A moderator hid your {what}: only you still see it, with the reason below."
        )],
        Outcome::Deleted => vec![format!("A moderator deleted your {what}.")],
    };
    match sanction {
        Some(Sanction::Warn) => lines.push("This is a warning from the site administrators.".into()),
        Some(Sanction::Suspend) => lines.push(
            "Your account is suspended: you are signed out everywhere and cannot sign in until an administrator reactivates it.".into(),
        ),
        None => {}
    }
    let author = users.get(&report.author_id);
    let Some(author) = author.filter(|_| !lines.is_empty()) else {
        return Ok(());
    };
    let letter = Notice {
        subject: match (sanction, outcome) {
            (Some(Sanction::Suspend), _) => "Your Agora account is suspended".to_string(),
            (Some(Sanction::Warn), _) => "A warning from Agora's moderators".to_string(),
            (None, Outcome::Hidden) => format!("A moderator hid your {what}"),
            (None, _) => format!("A moderator deleted your {what}"),
        },
        lines,
        message: message.to_string(),
        link: (outcome == Outcome::Hidden && sanction != Some(Sanction::Suspend))
            .then(|| format!("{site}/posts/{}", report.post_id)),
        footer: "You get this email because you wrote this.",
    };
    send(conn, &author.email, &letter, report)
}

fn send(conn: &mut DbConnection, to: &str, letter: &Notice, report: &Report) -> Result<()> {
    let text = NoticeText { letter };
    let mail = mail::compose(to, &letter.subject, letter, &text)?;
    mail::enqueue(conn, &mail.about_group(report.group_id))?;
    Ok(())
}

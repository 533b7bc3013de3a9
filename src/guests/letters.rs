//! The emails of the guests area, as plain text and simple HTML with inline styles.

use crate::html::escape;
use crate::mail::Mail;

/// The invitation to `group`, from `inviter`, with the link to accept it.
pub fn invitation(to: &str, inviter: &str, group: &str, link: &str, days: i64) -> Mail {
    let subject = format!("{inviter} invited you to {group} on Agora");
    let text = format!(
        "{inviter} invited you to take part in {group} on Agora, as a guest.\n\n\
         Accept the invitation (the link works once, for {days} days):\n{link}\n\n\
         If you did not expect this, ignore this email.\n"
    );
    let html = format!(
        "<div style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;max-width:560px\">\
         <p>{inviter} invited you to take part in <strong>{group}</strong> on Agora, as a guest.</p>\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:8px 16px;border-radius:6px;\
         background:#0969da;color:#ffffff;text-decoration:none;font-weight:600\">Accept the invitation</a></p>\
         <p style=\"color:#57606a;font-size:14px\">The link works once, for {days} days. If you did not \
         expect this, ignore this email.</p></div>",
        inviter = escape(inviter),
        group = escape(group),
        link = escape(link),
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

/// Asks `to`, a sponsor, to extend the access of `guest`, which ends in `days` days.
pub fn extend_reminder(to: &str, guest: &str, days: i64, link: &str, period: i64) -> Mail {
    let subject = format!("{guest}'s guest access to Agora ends in {days} days");
    let text = format!(
        "You invited {guest} to Agora as a guest. Their access ends in {days} days.\n\n\
         To keep them for another {period} days, open:\n{link}\n\n\
         If they no longer need access, do nothing: it ends by itself.\n"
    );
    let html = format!(
        "<div style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;max-width:560px\">\
         <p>You invited <strong>{guest}</strong> to Agora as a guest. Their access ends in {days} days.</p>\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:8px 16px;border-radius:6px;\
         background:#0969da;color:#ffffff;text-decoration:none;font-weight:600\">Keep {guest} for {period} more days</a></p>\
         <p style=\"color:#57606a;font-size:14px\">If they no longer need access, do nothing: it ends by itself.</p></div>",
        guest = escape(guest),
        link = escape(link),
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

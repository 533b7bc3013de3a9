//! What an incoming webhook's sender posts: reading the body (JSON, or a form carrying it in
//! `payload`, as Slack's senders do), Slack's link syntax, and the sender's name.

use serde::Deserialize;

use crate::error::{Error, ErrorCode, ErrorKind, Result, invalid};

/// Longest `username` shown as "<username> via <hook>"; longer ones are cut.
const MAX_USERNAME: usize = 80;

/// What a webhook's sender posts, Slack-compatible: other fields Slack knows (`channel`,
/// `icon_emoji`, …) are accepted and ignored.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// Markdown (Slack's `<https://…|label>` links are understood too).
    pub text: Option<String>,
    /// Shown as "<username> via <hook name>".
    pub username: Option<String>,
}

/// Reads a webhook's body: JSON, or a form with the JSON in its `payload` field (as Slack's
/// older senders post). `None` for `content_type`: JSON.
pub fn parse_message(content_type: Option<&str>, body: &[u8]) -> Result<Message> {
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    let json: Vec<u8> = match essence.as_deref() {
        None | Some("application/json") | Some("text/plain") => body.to_vec(),
        Some("application/x-www-form-urlencoded") => {
            let fields: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).map_err(|e| {
                    Error::bad_request(ErrorCode::BadForm, format!("the form is unreadable: {e}"))
                })?;
            fields
                .into_iter()
                .find(|(name, _)| name == "payload")
                .map(|(_, payload)| payload.into_bytes())
                .ok_or_else(|| invalid("payload", "send the message as JSON in `payload`"))?
        }
        Some(_) => {
            return Err(Error::new(
                ErrorKind::UnsupportedMediaType,
                ErrorCode::NotJson,
                "send Content-Type: application/json",
            ));
        }
    };
    let value: serde_json::Value = serde_json::from_slice(&json).map_err(|e| {
        Error::bad_request(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(Error::new(
            ErrorKind::Invalid,
            ErrorCode::InvalidBody,
            "send a JSON object such as {\"text\": \"Deployed\"}",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| Error::new(ErrorKind::Invalid, ErrorCode::InvalidBody, e.to_string()))
}

/// Slack's links in Markdown: `<https://x|label>` becomes `[label](https://x)` and `<https://x>`
/// the bare URL; anything else in angle brackets stays as it was.
pub fn slack_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (url, label) = inner.split_once('|').unwrap_or((inner, ""));
        if (url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:"))
            && !url.contains(char::is_whitespace)
        {
            if label.is_empty() {
                out.push_str(url);
            } else {
                out.push_str(&format!("[{label}]({url})"));
            }
        } else {
            out.push('<');
            out.push_str(inner);
            out.push('>');
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The sender's name to show, on one line and cut to length; none when blank.
pub(super) fn via(username: Option<&str>) -> Option<String> {
    let name: String = username?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let name: String = name.chars().take(MAX_USERNAME).collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_links_become_markdown() {
        assert_eq!(
            slack_links("See <https://ci.example/1|build 1> and <https://x.example>"),
            "See [build 1](https://ci.example/1) and https://x.example"
        );
        assert_eq!(slack_links("a <b> c < d"), "a <b> c < d");
    }

    #[test]
    fn bodies_are_json_or_a_form_with_a_payload() {
        let json = parse_message(
            Some("application/json; charset=utf-8"),
            br#"{"text":"hi","channel":"x"}"#,
        )
        .unwrap();
        assert_eq!(json.text.as_deref(), Some("hi"));
        let form = parse_message(
            Some("application/x-www-form-urlencoded"),
            b"payload=%7B%22text%22%3A%22hi%22%2C%22username%22%3A%22CI%22%7D",
        )
        .unwrap();
        assert_eq!(form.username.as_deref(), Some("CI"));
        assert_eq!(
            parse_message(None, b"{nope").unwrap_err().code,
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse_message(None, b"[1]").unwrap_err().code,
            ErrorCode::InvalidBody
        );
        assert_eq!(
            parse_message(None, br#"{"text": 5}"#).unwrap_err().code,
            ErrorCode::InvalidBody
        );
        assert_eq!(
            parse_message(Some("image/png"), b"").unwrap_err().code,
            ErrorCode::NotJson
        );
    }

    #[test]
    fn a_username_is_one_short_line() {
        assert_eq!(via(Some("  Deploy\n bot ")).as_deref(), Some("Deploy bot"));
        assert_eq!(via(Some("   ")), None);
        assert_eq!(
            via(Some(&"x".repeat(200))).map(|v| v.len()),
            Some(MAX_USERNAME)
        );
    }
}

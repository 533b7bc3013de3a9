//! The text of the stream: Server-Sent Events frames. Data is one line of compact JSON with ids
//! and counts only — never a body, so nothing in the stream can leak what a post says.

use serde_json::{Map, Value, json};

use super::meta::{Content, CountsOf};

/// Counts read after an event, for the frame that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub like_count: i64,
    pub comment_count: i64,
}

/// The first frame: how long a browser waits before reconnecting, and the id it resumes after
/// (a frame with an id and no data moves `lastEventId` without firing an event), so a client
/// that drops before any event still resumes without a gap.
pub fn opening(retry_ms: u64, last_id: i64) -> String {
    format!("retry: {retry_ms}\nid: {last_id}\n\n")
}

/// A heartbeat: a comment line, which clients ignore and proxies see as traffic.
pub fn ping() -> &'static str {
    ": ping\n\n"
}

/// Tells the client it missed more than can be replayed: reload, then listen again.
pub fn reload(last_id: i64) -> String {
    format!("id: {last_id}\nevent: reload\ndata: {{}}\n\n")
}

/// Tells the recipient of a notification how many are unread now; the client fetches the
/// notifications themselves, so the stream still carries no text.
pub fn notification(id: i64, unread: i64) -> String {
    format!(
        "id: {id}\nevent: notification\ndata: {}\n\n",
        json!({"unread": unread})
    )
}

/// The frame for a post, comment or like event.
pub fn content(id: i64, kind: &str, content: &Content, counts: Option<Counts>) -> String {
    let mut data = Map::new();
    data.insert("kind".into(), json!(kind));
    data.insert("post_id".into(), json!(content.post_id.to_string()));
    if let Some(comment_id) = content.comment_id {
        data.insert("comment_id".into(), json!(comment_id.to_string()));
    }
    data.insert(
        "group_id".into(),
        json!(content.group_id.map(|g| g.to_string())),
    );
    if let Some(counts) = counts {
        match content.counts {
            CountsOf::Nothing => {}
            CountsOf::PostComments => {
                data.insert("comment_count".into(), json!(counts.comment_count));
            }
            CountsOf::PostLikes | CountsOf::CommentLikes => {
                data.insert("like_count".into(), json!(counts.like_count));
            }
        }
    }
    format!(
        "id: {id}\nevent: {}\ndata: {}\n\n",
        content.event_type,
        Value::Object(data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, PostId};

    #[test]
    fn a_like_frame_carries_ids_as_strings_and_the_new_count() {
        let like = Content {
            event_type: "like",
            post_id: PostId(5),
            comment_id: None,
            group_id: Some(GroupId(7)),
            counts: CountsOf::PostLikes,
            employees_only: false,
        };
        let counts = Counts {
            like_count: 3,
            comment_count: 1,
        };
        let frame = content(12, "post.liked", &like, Some(counts));
        let (head, data) = frame.split_once("data: ").unwrap();
        assert_eq!(head, "id: 12\nevent: like\n");
        assert!(data.ends_with("\n\n"));
        let data: Value = serde_json::from_str(data.trim_end()).unwrap();
        assert_eq!(
            data,
            json!({"kind": "post.liked", "post_id": "5", "group_id": "7", "like_count": 3})
        );
    }

    #[test]
    fn a_company_post_frame_has_a_null_group() {
        let post = Content {
            event_type: "post",
            post_id: PostId(5),
            comment_id: None,
            group_id: None,
            counts: CountsOf::Nothing,
            employees_only: false,
        };
        let frame = content(1, "post.created", &post, None);
        assert!(frame.contains("\"group_id\":null"), "{frame}");
        assert_eq!(frame.lines().filter(|l| l.starts_with("data:")).count(), 1);
    }
}

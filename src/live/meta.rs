//! What an event means to live streams, read once from its kind and payload when the hub
//! publishes it, so that thousands of streams never parse the same JSON again.

use crate::events::Event;

/// An event as streams need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The event's kind: `post.created`, `comment.liked`, …
    pub kind: String,
    pub topic: Topic,
}

/// The part of an event that decides who hears of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Something in a post's thread: shown to those who may read posts in `group_id`.
    Content(Content),
    /// `user_id` joined or left a group, or changed role in one.
    Membership { user_id: i64 },
    /// A group appeared or changed (possibly its visibility): every stream's groups may be out
    /// of date.
    GroupChanged,
    /// The notifier told these users (sorted) of something new.
    Notified { recipients: Vec<i64> },
    /// `user_id` was deactivated: their streams end.
    Deactivated { user_id: i64 },
    /// Nothing a stream shows or reacts to.
    Other,
}

/// A post, comment or like event, and what a stream sends for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Content {
    /// The SSE event type: `post`, `comment` or `like`.
    pub event_type: &'static str,
    pub post_id: i64,
    pub comment_id: Option<i64>,
    /// `None`: the company feed.
    pub group_id: Option<i64>,
    /// Which counts the frame carries, read from the database after the event.
    pub counts: CountsOf,
    /// About a comment for employees only: never sent to guests.
    pub employees_only: bool,
}

/// Which row's counts a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountsOf {
    /// None (posts created, edited or deleted).
    Nothing,
    /// The post's `comment_count` (comments).
    PostComments,
    /// The post's `like_count` (post likes).
    PostLikes,
    /// The comment's `like_count` (comment likes).
    CommentLikes,
}

impl Meta {
    /// Reads `event`. A payload without the ids its kind needs makes it `Other`: a stream
    /// that cannot place an event never shows it.
    pub fn of(event: &Event) -> Meta {
        let payload: serde_json::Value =
            serde_json::from_str(&event.payload).unwrap_or(serde_json::Value::Null);
        let group_id = payload.get("group_id").and_then(serde_json::Value::as_i64);
        let post_id = payload.get("post_id").and_then(serde_json::Value::as_i64);
        let employees_only = payload
            .get("employees_only")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let content = |event_type, post_id: Option<i64>, comment_id, counts| match post_id {
            Some(post_id) => Topic::Content(Content {
                event_type,
                post_id,
                comment_id,
                group_id,
                counts,
                employees_only,
            }),
            None => Topic::Other,
        };
        let subject = event.subject_id;
        let topic = match event.kind.as_str() {
            "post.created" | "post.edited" | "post.deleted" => {
                content("post", subject, None, CountsOf::Nothing)
            }
            "comment.created" | "comment.edited" | "comment.deleted" => {
                content("comment", post_id, subject, CountsOf::PostComments)
            }
            "post.liked" | "post.unliked" => content("like", subject, None, CountsOf::PostLikes),
            "comment.liked" | "comment.unliked" => {
                content("like", post_id, subject, CountsOf::CommentLikes)
            }
            "group.member_added" | "group.member_removed" | "group.role_changed" => {
                match payload.as_i64() {
                    Some(user_id) => Topic::Membership { user_id },
                    None => Topic::Other,
                }
            }
            "group.joined" => match event.actor_id {
                Some(user_id) => Topic::Membership { user_id },
                None => Topic::Other,
            },
            "group.created" | "group.updated" => Topic::GroupChanged,
            crate::signals::notifier::CREATED => Topic::Notified {
                recipients: crate::signals::notifier::recipients_of(event),
            },
            "user.deactivated" => match subject {
                Some(user_id) => Topic::Deactivated { user_id },
                None => Topic::Other,
            },
            _ => Topic::Other,
        };
        Meta {
            kind: event.kind.clone(),
            topic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, actor: Option<i64>, subject: Option<i64>, payload: &str) -> Event {
        Event {
            id: 1,
            kind: kind.into(),
            actor_id: actor,
            subject_id: subject,
            payload: payload.into(),
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn a_comment_is_placed_by_its_post_and_group() {
        let meta = Meta::of(&event(
            "comment.created",
            Some(1),
            Some(9),
            r#"{"post_id":5,"group_id":7,"post_author_id":2}"#,
        ));
        assert_eq!(
            meta.topic,
            Topic::Content(Content {
                event_type: "comment",
                post_id: 5,
                comment_id: Some(9),
                group_id: Some(7),
                counts: CountsOf::PostComments,
                employees_only: false,
            })
        );
    }

    #[test]
    fn a_company_post_has_no_group() {
        let meta = Meta::of(&event(
            "post.created",
            Some(1),
            Some(5),
            r#"{"group_id":null}"#,
        ));
        assert!(matches!(
            meta.topic,
            Topic::Content(Content {
                group_id: None,
                post_id: 5,
                ..
            })
        ));
    }

    #[test]
    fn membership_events_name_the_member() {
        let added = Meta::of(&event("group.member_added", Some(1), Some(7), "42"));
        assert_eq!(added.topic, Topic::Membership { user_id: 42 });
        let joined = Meta::of(&event("group.joined", Some(42), Some(7), "null"));
        assert_eq!(joined.topic, Topic::Membership { user_id: 42 });
    }

    #[test]
    fn an_event_missing_its_ids_is_never_shown() {
        let meta = Meta::of(&event("comment.created", Some(1), Some(9), "{}"));
        assert_eq!(meta.topic, Topic::Other);
        let meta = Meta::of(&event("user.created", Some(1), Some(1), "null"));
        assert_eq!(meta.topic, Topic::Other);
    }
}

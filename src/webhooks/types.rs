//! The event types an endpoint may ask for, and which events of the log each one carries.
//! Their names and payloads are a public contract (docs/extensions.md): add, never rename.

use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::ids::GroupId;

/// A type of delivery, as endpoints subscribe to it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum EventType {
    #[serde(rename = "post.created")]
    PostCreated,
    #[serde(rename = "post.edited")]
    PostEdited,
    #[serde(rename = "post.deleted")]
    PostDeleted,
    #[serde(rename = "comment.created")]
    CommentCreated,
    #[serde(rename = "comment.edited")]
    CommentEdited,
    #[serde(rename = "comment.deleted")]
    CommentDeleted,
    /// Joined by herself, added by an admin, or came in by an invitation.
    #[serde(rename = "member.joined")]
    MemberJoined,
    /// Left, or was removed.
    #[serde(rename = "member.left")]
    MemberLeft,
    /// A poll's closing time passed: its results are final.
    #[serde(rename = "poll.closed")]
    PollClosed,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::PostCreated,
        EventType::PostEdited,
        EventType::PostDeleted,
        EventType::CommentCreated,
        EventType::CommentEdited,
        EventType::CommentDeleted,
        EventType::MemberJoined,
        EventType::MemberLeft,
        EventType::PollClosed,
    ];

    /// Its name: `post.created`, …
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PostCreated => "post.created",
            EventType::PostEdited => "post.edited",
            EventType::PostDeleted => "post.deleted",
            EventType::CommentCreated => "comment.created",
            EventType::CommentEdited => "comment.edited",
            EventType::CommentDeleted => "comment.deleted",
            EventType::MemberJoined => "member.joined",
            EventType::MemberLeft => "member.left",
            EventType::PollClosed => "poll.closed",
        }
    }

    /// The type named `name`, if there is one.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The delivery type of a logged event and the group it happened in (`None`: the company
    /// feed), or `None` for events no endpoint is told of.
    pub fn of(event: &Event) -> Option<(EventType, Option<GroupId>)> {
        Some(match event {
            Event::PostCreated { group_id, .. } => (EventType::PostCreated, *group_id),
            Event::PostEdited(change) => (EventType::PostEdited, change.group_id),
            Event::PostDeleted(change) => (EventType::PostDeleted, change.group_id),
            Event::CommentCreated { group_id, .. } => (EventType::CommentCreated, *group_id),
            Event::CommentEdited(change) => (EventType::CommentEdited, change.group_id),
            Event::CommentDeleted(change) => (EventType::CommentDeleted, change.group_id),
            Event::GroupJoined { group, .. } => (EventType::MemberJoined, Some(*group)),
            Event::GroupMemberAdded(membership) => {
                (EventType::MemberJoined, Some(membership.group))
            }
            Event::GroupMemberRemoved(membership) => {
                (EventType::MemberLeft, Some(membership.group))
            }
            Event::PollClosed(change) => (EventType::PollClosed, change.group_id),
            // Not (yet) offered to endpoints; listed so that a new kind must be decided here.
            Event::UserCreated { .. }
            | Event::UserUpdated { .. }
            | Event::UserDeactivated { .. }
            | Event::SessionRevoked { .. }
            | Event::TokenRevoked { .. }
            | Event::UserSignedOut { .. }
            | Event::UserFollowed { .. }
            | Event::UserUnfollowed { .. }
            | Event::TagFollowed { .. }
            | Event::TagUnfollowed { .. }
            | Event::BestAnswerChanged(_)
            | Event::PostPreviewed(_)
            | Event::PollVoted(_)
            | Event::PostLiked(_)
            | Event::PostUnliked(_)
            | Event::CommentPreviewed(_)
            | Event::CommentLiked(_)
            | Event::CommentUnliked(_)
            | Event::GroupCreated { .. }
            | Event::GroupUpdated { .. }
            | Event::GroupJoinRequested { .. }
            | Event::GroupRoleChanged(_)
            | Event::InvitationCreated { .. }
            | Event::InvitationAccepted { .. }
            | Event::EmailFrequencyChanged { .. }
            | Event::NotificationCreated { .. } => return None,
        })
    }
}

/// `types` as stored: names separated by spaces.
pub fn join(types: &[EventType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    names.join(" ")
}

/// The types of a stored list; names this build does not know are left out.
pub fn split(stored: &str) -> Vec<EventType> {
    stored
        .split_whitespace()
        .filter_map(EventType::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_serialize_as_written() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(split(&join(&EventType::ALL)), EventType::ALL.to_vec());
        assert_eq!(
            split("post.created pigeon.landed"),
            vec![EventType::PostCreated]
        );
    }
}

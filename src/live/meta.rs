//! What an event means to live streams, worked out once when the hub publishes it, so that
//! thousands of streams never look at the same event again.

use crate::events::{
    CommentChange, CommentLike, Event, Membership, PollVote, PostChange, PostLike, Recorded,
};
use crate::ids::{CommentId, GroupId, PostId, UserId};

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
    Membership { user_id: UserId },
    /// A group appeared or changed (possibly its visibility): every stream's groups may be out
    /// of date.
    GroupChanged,
    /// The notifier told these users (sorted) of something new.
    Notified { recipients: Vec<UserId> },
    /// A credential was revoked, or a user lost them all: the streams opened with it end.
    SignedOut(Revoked),
    /// Nothing a stream shows or reacts to.
    Other,
}

/// What a revocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// Every credential of this user (deactivation among others).
    User(UserId),
    Session(i64),
    Token(i64),
}

/// A post, comment or like event, and what a stream sends for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Content {
    /// The SSE event type: `post`, `comment`, `like` or `vote`.
    pub event_type: &'static str,
    pub post_id: PostId,
    pub comment_id: Option<CommentId>,
    /// `None`: the company feed.
    pub group_id: Option<GroupId>,
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
    /// Reads `recorded`.
    pub fn of(recorded: &Recorded) -> Meta {
        Meta {
            kind: recorded.event.kind(),
            topic: Topic::of(&recorded.event),
        }
    }
}

impl Topic {
    fn of(event: &Event) -> Topic {
        let content = |event_type,
                       post: PostId,
                       comment: Option<CommentId>,
                       group_id: &Option<GroupId>,
                       counts,
                       employees_only: &bool| {
            Topic::Content(Content {
                event_type,
                post_id: post,
                comment_id: comment,
                group_id: *group_id,
                counts,
                employees_only: *employees_only,
            })
        };
        match event {
            Event::PostCreated {
                post,
                group_id,
                employees_only,
                ..
            }
            | Event::PostEdited(PostChange {
                post,
                group_id,
                employees_only,
                ..
            })
            | Event::BestAnswerChanged(PostChange {
                post,
                group_id,
                employees_only,
                ..
            })
            | Event::PostPreviewed(PostChange {
                post,
                group_id,
                employees_only,
                ..
            })
            | Event::PostDeleted(PostChange {
                post,
                group_id,
                employees_only,
                ..
            }) => content(
                "post",
                *post,
                None,
                group_id,
                CountsOf::Nothing,
                employees_only,
            ),
            Event::CommentCreated {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            }
            | Event::CommentEdited(CommentChange {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            })
            | Event::CommentDeleted(CommentChange {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            }) => content(
                "comment",
                *post_id,
                Some(*comment),
                group_id,
                CountsOf::PostComments,
                employees_only,
            ),
            Event::CommentPreviewed(CommentChange {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            }) => content(
                "comment",
                *post_id,
                Some(*comment),
                group_id,
                CountsOf::Nothing,
                employees_only,
            ),
            Event::PostLiked(PostLike {
                post,
                group_id,
                employees_only,
                ..
            })
            | Event::PostUnliked(PostLike {
                post,
                group_id,
                employees_only,
                ..
            }) => content(
                "like",
                *post,
                None,
                group_id,
                CountsOf::PostLikes,
                employees_only,
            ),
            // The stream carries no tally: whether a reader may see results is hers to ask.
            Event::PollVoted(PollVote {
                post,
                group_id,
                employees_only,
                ..
            }) => content(
                "vote",
                *post,
                None,
                group_id,
                CountsOf::Nothing,
                employees_only,
            ),
            // A closed poll's results may now show to everyone: readers fetch it again.
            Event::PollClosed(PostChange {
                post,
                group_id,
                employees_only,
                ..
            }) => content(
                "vote",
                *post,
                None,
                group_id,
                CountsOf::Nothing,
                employees_only,
            ),
            Event::CommentLiked(CommentLike {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            })
            | Event::CommentUnliked(CommentLike {
                comment,
                post_id,
                group_id,
                employees_only,
                ..
            }) => content(
                "like",
                *post_id,
                Some(*comment),
                group_id,
                CountsOf::CommentLikes,
                employees_only,
            ),
            Event::GroupMemberAdded(Membership { member, .. })
            | Event::GroupMemberRemoved(Membership { member, .. })
            | Event::GroupRoleChanged(Membership { member, .. })
            | Event::GroupJoined { member, .. } => Topic::Membership { user_id: *member },
            Event::GroupCreated { .. } | Event::GroupUpdated { .. } => Topic::GroupChanged,
            Event::NotificationCreated { recipients, .. } => {
                let mut recipients = recipients.clone();
                recipients.sort_unstable();
                Topic::Notified { recipients }
            }
            Event::UserDeactivated { user, .. } | Event::UserSignedOut { user } => {
                Topic::SignedOut(Revoked::User(*user))
            }
            Event::SessionRevoked { session, .. } => Topic::SignedOut(Revoked::Session(*session)),
            Event::TokenRevoked { token, .. } => Topic::SignedOut(Revoked::Token(*token)),
            // Nothing a stream shows or reacts to.
            Event::UserCreated { .. }
            | Event::UserUpdated { .. }
            | Event::UserFollowed { .. }
            | Event::UserUnfollowed { .. }
            | Event::TagFollowed { .. }
            | Event::TagUnfollowed { .. }
            | Event::GroupJoinRequested { .. }
            | Event::InvitationCreated { .. }
            | Event::InvitationAccepted { .. }
            | Event::EmailFrequencyChanged { .. } => Topic::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CommentId, GroupId, PostId, UserId};

    #[test]
    fn a_comment_is_placed_by_its_post_and_group() {
        let topic = Topic::of(&Event::CommentCreated {
            author: UserId(1),
            comment: CommentId(9),
            post_id: PostId(5),
            group_id: Some(GroupId(7)),
            post_author_id: UserId(2),
            employees_only: false,
        });
        assert_eq!(
            topic,
            Topic::Content(Content {
                event_type: "comment",
                post_id: PostId(5),
                comment_id: Some(CommentId(9)),
                group_id: Some(GroupId(7)),
                counts: CountsOf::PostComments,
                employees_only: false,
            })
        );
    }

    #[test]
    fn a_company_post_has_no_group() {
        let topic = Topic::of(&Event::PostCreated {
            author: UserId(1),
            post: PostId(5),
            group_id: None,
            quiet: false,
            employees_only: false,
        });
        assert!(matches!(
            topic,
            Topic::Content(Content {
                group_id: None,
                post_id: PostId(5),
                ..
            })
        ));
    }

    #[test]
    fn membership_events_name_the_member() {
        let added = Topic::of(&Event::GroupMemberAdded(Membership {
            by: Some(UserId(1)),
            group: GroupId(7),
            member: UserId(42),
        }));
        assert_eq!(
            added,
            Topic::Membership {
                user_id: UserId(42)
            }
        );
        let joined = Topic::of(&Event::GroupJoined {
            member: UserId(42),
            group: GroupId(7),
        });
        assert_eq!(
            joined,
            Topic::Membership {
                user_id: UserId(42)
            }
        );
    }

    #[test]
    fn the_kind_is_the_stored_one() {
        let recorded = Recorded {
            id: 3,
            at: chrono::NaiveDateTime::default(),
            event: Event::GroupJoined {
                member: UserId(42),
                group: GroupId(7),
            },
        };
        assert_eq!(Meta::of(&recorded).kind, "group.joined");
    }
}

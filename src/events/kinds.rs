//! Every kind of change the log records, one variant each. docs/events.md says who appends
//! each kind and who consumes it.
//!
//! The row's `kind` column is the serde tag; the fields renamed `actor_id` and `subject_id` are
//! the row's columns of those names; a lone field renamed `value` is a payload stored as a bare
//! value (see `codec`). Everything else is the JSON payload, key for key as it was always
//! stored, so old rows read back unchanged.

use serde::{Deserialize, Serialize};

use crate::ids::{CommentId, GroupId, InvitationId, PostId, UserId};
use crate::signals::frequency::EmailFrequency;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Event {
    /// An account was made, by an admin, by setup, or by accepting an invitation.
    #[serde(rename = "user.created")]
    UserCreated {
        #[serde(rename = "actor_id")]
        by: UserId,
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    /// A profile changed (name, title, department, bio), or an admin changed a role.
    #[serde(rename = "user.updated")]
    UserUpdated {
        #[serde(rename = "actor_id")]
        by: UserId,
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    /// An account was deactivated; `by` is `None` when the guest sweep expired it.
    #[serde(rename = "user.deactivated")]
    UserDeactivated {
        #[serde(rename = "actor_id")]
        by: Option<UserId>,
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    /// A browser session ended: signed out, or revoked.
    #[serde(rename = "session.revoked")]
    SessionRevoked {
        #[serde(rename = "actor_id")]
        user: UserId,
        #[serde(rename = "subject_id")]
        session: i64,
    },
    /// A personal access token was revoked.
    #[serde(rename = "token.revoked")]
    TokenRevoked {
        #[serde(rename = "actor_id")]
        user: UserId,
        #[serde(rename = "subject_id")]
        token: i64,
    },
    /// Every session and token of `user` ended at once (deactivation, a guest's last group
    /// gone).
    #[serde(rename = "user.signed_out")]
    UserSignedOut {
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    #[serde(rename = "user.followed")]
    UserFollowed {
        #[serde(rename = "actor_id")]
        follower: UserId,
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    #[serde(rename = "user.unfollowed")]
    UserUnfollowed {
        #[serde(rename = "actor_id")]
        follower: UserId,
        #[serde(rename = "subject_id")]
        user: UserId,
    },
    #[serde(rename = "tag.followed")]
    TagFollowed {
        #[serde(rename = "actor_id")]
        follower: UserId,
        tag: String,
    },
    #[serde(rename = "tag.unfollowed")]
    TagUnfollowed {
        #[serde(rename = "actor_id")]
        follower: UserId,
        tag: String,
    },
    #[serde(rename = "post.created")]
    PostCreated {
        #[serde(rename = "actor_id")]
        author: UserId,
        #[serde(rename = "subject_id")]
        post: PostId,
        /// `None`: the company feed.
        group_id: Option<GroupId>,
        /// Posted quietly by a group owner or admin: members are not told.
        #[serde(default)]
        quiet: bool,
        #[serde(default)]
        employees_only: bool,
    },
    #[serde(rename = "post.edited")]
    PostEdited(PostChange),
    /// Deleted by its author, a group owner or admin, or a site admin.
    #[serde(rename = "post.deleted")]
    PostDeleted(PostChange),
    /// The asker or a moderator marked (or unmarked) a question's best answer.
    #[serde(rename = "post.best_answer_changed")]
    BestAnswerChanged(PostChange),
    /// A preview of one of its links was fetched (the actor is the post's author).
    #[serde(rename = "post.previewed")]
    PostPreviewed(PostChange),
    /// Someone voted in a post's poll, changed her vote, or took it back.
    #[serde(rename = "poll.voted")]
    PollVoted(PollVote),
    /// A poll's closing time passed (the actor is the post's author): its results are final.
    #[serde(rename = "poll.closed")]
    PollClosed(PostChange),
    #[serde(rename = "post.liked")]
    PostLiked(PostLike),
    #[serde(rename = "post.unliked")]
    PostUnliked(PostLike),
    #[serde(rename = "comment.created")]
    CommentCreated {
        #[serde(rename = "actor_id")]
        author: UserId,
        #[serde(rename = "subject_id")]
        comment: CommentId,
        post_id: PostId,
        group_id: Option<GroupId>,
        post_author_id: UserId,
        /// The comment, or the post it is under, is for employees only.
        #[serde(default)]
        employees_only: bool,
    },
    #[serde(rename = "comment.edited")]
    CommentEdited(CommentChange),
    #[serde(rename = "comment.deleted")]
    CommentDeleted(CommentChange),
    /// A preview of one of its links was fetched (the actor is the post's author).
    #[serde(rename = "comment.previewed")]
    CommentPreviewed(CommentChange),
    #[serde(rename = "comment.liked")]
    CommentLiked(CommentLike),
    #[serde(rename = "comment.unliked")]
    CommentUnliked(CommentLike),
    #[serde(rename = "group.created")]
    GroupCreated {
        #[serde(rename = "actor_id")]
        owner: UserId,
        #[serde(rename = "subject_id")]
        group: GroupId,
    },
    /// Name, description, visibility or guest setting changed.
    #[serde(rename = "group.updated")]
    GroupUpdated {
        #[serde(rename = "actor_id")]
        by: Option<UserId>,
        #[serde(rename = "subject_id")]
        group: GroupId,
    },
    /// `member` joined an open group by herself.
    #[serde(rename = "group.joined")]
    GroupJoined {
        #[serde(rename = "actor_id")]
        member: UserId,
        #[serde(rename = "subject_id")]
        group: GroupId,
    },
    #[serde(rename = "group.join_requested")]
    GroupJoinRequested {
        #[serde(rename = "actor_id")]
        requester: UserId,
        #[serde(rename = "subject_id")]
        group: GroupId,
    },
    #[serde(rename = "group.role_changed")]
    GroupRoleChanged(Membership),
    /// Added by an owner or admin, by approving a request, or by accepting an invitation.
    #[serde(rename = "group.member_added")]
    GroupMemberAdded(Membership),
    /// Removed by an owner or admin, or left by herself.
    #[serde(rename = "group.member_removed")]
    GroupMemberRemoved(Membership),
    #[serde(rename = "invitation.created")]
    InvitationCreated {
        #[serde(rename = "actor_id")]
        sponsor: UserId,
        #[serde(rename = "subject_id")]
        group: GroupId,
        #[serde(rename = "value")]
        invitation: InvitationId,
    },
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted {
        #[serde(rename = "actor_id")]
        guest: UserId,
        #[serde(rename = "subject_id")]
        group: GroupId,
        invitation_id: InvitationId,
        sponsor_id: UserId,
    },
    /// A member changed how often she hears of a group by email: of one group (`group`), or
    /// of several at once (`groups` of them) when she turned per-group digests off.
    #[serde(rename = "membership.email_frequency")]
    EmailFrequencyChanged {
        #[serde(rename = "actor_id")]
        member: UserId,
        #[serde(rename = "subject_id")]
        group: Option<GroupId>,
        email_frequency: EmailFrequency,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        groups: Option<u64>,
    },
    /// The notifier told `recipients` of event `event_id`; the live hub sends them their
    /// unread count.
    #[serde(rename = "notification.created")]
    NotificationCreated {
        /// The actor of the event told of.
        #[serde(rename = "actor_id")]
        by: Option<UserId>,
        recipients: Vec<UserId>,
        event_id: i64,
    },
}

/// An edit or deletion of a post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostChange {
    /// The author (edits) or whoever deleted it.
    #[serde(rename = "actor_id")]
    pub by: UserId,
    #[serde(rename = "subject_id")]
    pub post: PostId,
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub employees_only: bool,
}

/// A like or unlike of a post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostLike {
    #[serde(rename = "actor_id")]
    pub liker: UserId,
    #[serde(rename = "subject_id")]
    pub post: PostId,
    pub group_id: Option<GroupId>,
    pub author_id: UserId,
    #[serde(default)]
    pub employees_only: bool,
}

/// A vote in a poll, changed or taken back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollVote {
    #[serde(rename = "actor_id")]
    pub voter: UserId,
    #[serde(rename = "subject_id")]
    pub post: PostId,
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub employees_only: bool,
}

/// An edit or deletion of a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentChange {
    /// The author (edits) or whoever deleted it.
    #[serde(rename = "actor_id")]
    pub by: UserId,
    #[serde(rename = "subject_id")]
    pub comment: CommentId,
    pub post_id: PostId,
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub employees_only: bool,
}

/// A like or unlike of a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentLike {
    #[serde(rename = "actor_id")]
    pub liker: UserId,
    #[serde(rename = "subject_id")]
    pub comment: CommentId,
    pub post_id: PostId,
    pub group_id: Option<GroupId>,
    /// The comment's author.
    pub author_id: UserId,
    #[serde(default)]
    pub employees_only: bool,
}

/// A change to `member`'s place in `group`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// `None` for changes no person made.
    #[serde(rename = "actor_id")]
    pub by: Option<UserId>,
    #[serde(rename = "subject_id")]
    pub group: GroupId,
    #[serde(rename = "value")]
    pub member: UserId,
}

impl Event {
    /// The stored kind: `post.created`, `comment.liked`, …, as clients of the live stream
    /// see it.
    pub fn kind(&self) -> String {
        super::codec::encode(self).kind
    }

    /// Who made the change, where a person did.
    pub fn actor(&self) -> Option<UserId> {
        super::codec::encode(self).actor_id.map(UserId)
    }
}

//! Rows of `posts` and `comments`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::ReaderClass;
use crate::db::schema::{comments, posts};
use crate::ids::{CommentId, GroupId, PostId, UserId};

/// A post row. Deleted posts keep their row (for audit) and leave every read path.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: PostId,
    pub author_id: UserId,
    pub group_id: Option<GroupId>,
    pub body: String,
    pub html: String,
    /// JSON array of the URLs in the body.
    pub links: String,
    pub like_count: i64,
    pub comment_count: i64,
    /// The comments guests may see (those not for employees only).
    pub open_comment_count: i64,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    /// Posted quietly: nobody was notified.
    pub quiet: bool,
    /// Hidden from guests everywhere, like a comment for employees only.
    pub employees_only: bool,
    /// Who made the last edit: the author, or a moderator of the group or site.
    pub edited_by: Option<UserId>,
    /// Asks a question; its comments are the answers.
    pub question: bool,
    /// The comment the asker or a moderator marked as the best answer.
    pub best_answer_id: Option<CommentId>,
    /// When it was made or last commented on ("recent activity" order).
    pub activity_at: NaiveDateTime,
    /// The same counting only comments guests may read.
    pub open_activity_at: NaiveDateTime,
    /// The post this one shares, with its own body on top.
    pub shared_post_id: Option<PostId>,
    /// Shares of this post, everywhere; each reader is told only of those she may read.
    pub share_count: i64,
    /// The sender an incoming webhook named (its `username`), shown as "<via> via <author>".
    pub via: Option<String>,
}

/// A comment row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: CommentId,
    pub post_id: PostId,
    pub author_id: UserId,
    pub body: String,
    pub html: String,
    pub like_count: i64,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    /// Hidden from guests everywhere.
    pub employees_only: bool,
    /// Who made the last edit: the author, or a moderator of the post's group or the site.
    pub edited_by: Option<UserId>,
    /// JSON array of the URLs in the body.
    pub links: String,
}

impl Post {
    /// How many comments `scope`'s viewer sees on this post.
    pub fn comments_seen_by(&self, scope: &crate::access::Scope) -> i64 {
        comments_seen(scope, self.comment_count, self.open_comment_count)
    }
}

/// What ranking a post needs, without its body: digests rank hundreds of candidates and load
/// whole rows only for the few they list.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = posts)]
pub struct PostStats {
    pub id: PostId,
    pub author_id: UserId,
    pub group_id: Option<GroupId>,
    pub like_count: i64,
    pub comment_count: i64,
    pub open_comment_count: i64,
    pub created_at: NaiveDateTime,
}

impl PostStats {
    /// How many comments `scope`'s viewer sees on this post.
    pub fn comments_seen_by(&self, scope: &crate::access::Scope) -> i64 {
        comments_seen(scope, self.comment_count, self.open_comment_count)
    }
}

/// Guests see only the comments not for employees only.
fn comments_seen(scope: &crate::access::Scope, all: i64, open: i64) -> i64 {
    match scope.reader_class() {
        ReaderClass::Guests => open,
        ReaderClass::Employees => all,
    }
}

//! What handlers and templates get of posts and comments, filled in a fixed number of queries
//! per page whatever its length.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Comment, Post};
use super::queries;
use crate::access::Scope;
use crate::accounts::access::Circle;
use crate::accounts::{self, UserView};
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::files::FileView;
use crate::groups::{self, GroupView};
use crate::ids::{CommentId, GroupId, PostId, UserId};
use crate::links::unfold::{self, LinkCard};
use crate::previews::views::{self as preview_views, LinkPreview};

/// A post as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: String,
    pub author: UserView,
    pub group: Option<GroupView>,
    /// Markdown, as written.
    pub body: String,
    /// Sanitized HTML with #tags and @mentions linked.
    pub html: String,
    pub tags: Vec<String>,
    /// Ids of the people mentioned.
    pub mentions: Vec<String>,
    pub links: Vec<String>,
    pub like_count: i64,
    pub comment_count: i64,
    pub liked_by_me: bool,
    /// Whether the viewer saved it (bookmarks are private to each person).
    pub saved_by_me: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Whether the last edit was a moderator's (not the author's), and whose, when the viewer
    /// may see them.
    pub edited_by_moderator: bool,
    pub edited_by: Option<UserView>,
    /// For employees only: never shown to guests.
    pub employees_only: bool,
    /// Whether the viewer may edit and delete it (the author, a group admin, an admin).
    pub can_edit: bool,
    pub can_delete: bool,
    /// Asks a question; its comments are the answers.
    pub question: bool,
    /// The comment marked as the best answer, if any.
    pub best_answer_id: Option<String>,
    /// Whether the viewer may mark the best answer (the asker, a moderator).
    pub can_mark_answer: bool,
    /// Its poll, as the viewer sees it.
    pub poll: Option<super::polls::PollView>,
    /// When it is an announcement: whether it must be read, and whether the viewer has.
    pub announcement: Option<super::announcements::AnnouncementView>,
    /// Its files, in order.
    pub attachments: Vec<FileView>,
    /// Previews of its first links off this site.
    pub previews: Vec<LinkPreview>,
    /// Links in it to our pages that the viewer may read, unfolded.
    pub cards: Vec<LinkCard>,
    /// When it shares a post: that post, if the viewer may read it.
    pub shared: Option<SharedPost>,
    /// Shares of it that the viewer may read.
    pub share_count: i64,
    /// Posted through an incoming webhook on behalf of this sender: shown as "<via> via
    /// <author>". Absent for everything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The post a share carries, as one reader sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SharedPost {
    /// Whether the viewer may read it; if not, nothing else of it is told.
    pub available: bool,
    #[schema(no_recursion)]
    pub post: Option<Box<PostView>>,
}

impl SharedPost {
    /// A post the viewer may read, as a share shows it (the composer's preview of a share).
    pub fn of(post: &PostView) -> SharedPost {
        SharedPost {
            available: true,
            post: Some(Box::new(post.clone())),
        }
    }
}

/// A comment as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: String,
    pub post_id: String,
    pub author: UserView,
    pub body: String,
    pub html: String,
    pub like_count: i64,
    pub liked_by_me: bool,
    /// Whether the viewer saved it.
    pub saved_by_me: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Whether the last edit was a moderator's (not the author's), and whose, when the viewer
    /// may see them.
    pub edited_by_moderator: bool,
    pub edited_by: Option<UserView>,
    pub can_edit: bool,
    pub can_delete: bool,
    /// Hidden from guests; shown to employees with a label.
    pub employees_only: bool,
    /// Its files, in order.
    pub attachments: Vec<FileView>,
    /// Previews of its first links off this site.
    pub previews: Vec<LinkPreview>,
    /// Links in it to our pages that the viewer may read, unfolded.
    pub cards: Vec<LinkCard>,
}

/// One earlier version of a body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub body: String,
    /// When this version was replaced.
    pub replaced_at: DateTime<Utc>,
    /// Whether a moderator (not the author) replaced it, and who, when the viewer may see
    /// them.
    pub edited_by_moderator: bool,
    pub edited_by: Option<UserView>,
}

impl VersionView {
    /// Views of a body's earlier versions, `rows`, written first by `author`.
    pub(super) fn list(
        conn: &mut DbConnection,
        scope: &Scope,
        author: UserId,
        rows: Vec<queries::Version>,
    ) -> Result<Vec<VersionView>> {
        let editors: Vec<UserId> = rows.iter().filter_map(|(_, _, by)| *by).collect();
        let circle = accounts::access::circle(conn, scope)?;
        let cards = accounts::access::cards(conn, scope, &circle, &editors)?;
        Ok(rows
            .into_iter()
            .map(|(body, at, by)| {
                let (edited_by_moderator, edited_by) = editor(author, by, &cards);
                VersionView {
                    body,
                    replaced_at: at.and_utc(),
                    edited_by_moderator,
                    edited_by,
                }
            })
            .collect())
    }
}

/// Whether someone other than `author` made an edit (`by`), and who, among the people the
/// viewer may see (`cards`).
fn editor(
    author: UserId,
    by: Option<UserId>,
    cards: &HashMap<UserId, UserView>,
) -> (bool, Option<UserView>) {
    match by {
        Some(by) if by != author => (true, cards.get(&by).cloned()),
        _ => (false, None),
    }
}

/// Post `id` as the viewer sees it; not found if she may not.
pub fn post_view(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<PostView> {
    let post = super::access::visible_post(conn, scope, id)?;
    post_views(conn, scope, &[post])?
        .pop()
        .ok_or_else(|| Error::not_found("post"))
}

/// Comment `id` as the viewer sees it; not found if she may not.
pub fn comment_view(conn: &mut DbConnection, scope: &Scope, id: CommentId) -> Result<CommentView> {
    let (comment, post) = super::access::visible_comment(conn, scope, id)?;
    comment_views(conn, scope, post.group_id, &[comment])?
        .pop()
        .ok_or_else(|| Error::not_found("comment"))
}

/// Views of `posts` (all readable by the viewer), in the same order.
pub fn post_views(conn: &mut DbConnection, scope: &Scope, posts: &[Post]) -> Result<Vec<PostView>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let people: Vec<UserId> = posts
        .iter()
        .flat_map(|p| [Some(p.author_id), p.edited_by])
        .flatten()
        .collect();
    let group_ids: Vec<GroupId> = posts.iter().filter_map(|p| p.group_id).collect();
    let circle = accounts::access::circle(conn, scope)?;
    let authors = accounts::access::cards(conn, scope, &circle, &people)?;
    let group_rows: Vec<_> = groups::system::groups_by_id(conn, &group_ids)?
        .into_values()
        .collect();
    let group_views: HashMap<String, GroupView> = groups::access::views(conn, scope, &group_rows)?
        .into_iter()
        .map(|g| (g.id.clone(), g))
        .collect();
    let mut carried = queries::carried(conn, scope.viewer().user_id(), &ids)?;
    let having = |with: &HashSet<PostId>| -> Vec<Post> {
        posts
            .iter()
            .filter(|p| with.contains(&p.id))
            .cloned()
            .collect()
    };
    let mut polls = super::polls::views(conn, scope, &circle, &having(&carried.with_poll))?;
    let mut announcements =
        super::announcements::views(conn, scope, &having(&carried.with_announcement))?;
    let with_files: Vec<PostId> = carried.with_files.iter().copied().collect();
    let mut files = crate::files::views::on_posts(conn, &with_files)?;
    let links: Vec<(PostId, &str)> = posts.iter().map(|p| (p.id, p.links.as_str())).collect();
    let mut cards = unfold::cards(conn, scope, &circle, &links)?;
    let mut previews = preview_views::on_posts(conn, &links)?;
    let mut shared = shared_posts(conn, scope, posts)?;
    let share_counts = super::shares::visible_counts(conn, scope, posts)?;
    posts
        .iter()
        .map(|post| {
            let author = authors
                .get(&post.author_id)
                .ok_or_else(|| Error::internal("post without author"))?;
            let own = scope.viewer().user_id() == Some(post.author_id);
            let (edited_by_moderator, edited_by) = editor(post.author_id, post.edited_by, &authors);
            Ok(PostView {
                id: post.id.to_string(),
                author: author.clone(),
                group: post
                    .group_id
                    .and_then(|g| group_views.get(&g.to_string()).cloned()),
                body: post.body.clone(),
                html: shown_html(&post.html, &circle),
                tags: carried.tags.remove(&post.id).unwrap_or_default(),
                mentions: carried
                    .mentions
                    .remove(&post.id)
                    .unwrap_or_default()
                    .iter()
                    .map(UserId::to_string)
                    .collect(),
                links: serde_json::from_str(&post.links).unwrap_or_default(),
                like_count: post.like_count,
                comment_count: post.comments_seen_by(scope),
                liked_by_me: carried.liked.contains(&post.id),
                saved_by_me: carried.saved.contains(&post.id),
                created_at: post.created_at.and_utc(),
                edited_at: post.edited_at.map(|t| t.and_utc()),
                edited_by_moderator,
                edited_by,
                employees_only: post.employees_only,
                can_edit: own || scope.moderates(post.group_id),
                can_delete: own || scope.moderates(post.group_id),
                question: post.question,
                best_answer_id: post.best_answer_id.map(|id| id.to_string()),
                can_mark_answer: post.question && scope.may_change(post.author_id, post.group_id),
                poll: polls.remove(&post.id),
                announcement: announcements.remove(&post.id),
                attachments: files.remove(&post.id).unwrap_or_default(),
                previews: previews.remove(&post.id).unwrap_or_default(),
                cards: cards.remove(&post.id).unwrap_or_default(),
                shared: post.shared_post_id.map(|original| {
                    let post = shared.remove(&original).map(Box::new);
                    SharedPost {
                        available: post.is_some(),
                        post,
                    }
                }),
                share_count: share_counts.get(&post.id).copied().unwrap_or(0),
                via: post.via.clone(),
            })
        })
        .collect()
}

/// The posts that `posts` share and the viewer may read, as she sees them.
fn shared_posts(
    conn: &mut DbConnection,
    scope: &Scope,
    posts: &[Post],
) -> Result<HashMap<PostId, PostView>> {
    let originals: Vec<PostId> = posts.iter().filter_map(|p| p.shared_post_id).collect();
    if originals.is_empty() {
        return Ok(HashMap::new());
    }
    let readable = super::access::readable_posts(conn, scope, &originals)?;
    Ok(post_views(conn, scope, &readable)?
        .into_iter()
        .filter_map(|view| Some((view.id.parse().ok()?, view)))
        .collect())
}

/// Views of `comments` on a post in `group_id`, in the same order.
pub fn comment_views(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: Option<GroupId>,
    comments: &[Comment],
) -> Result<Vec<CommentView>> {
    if comments.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
    let people: Vec<UserId> = comments
        .iter()
        .flat_map(|c| [Some(c.author_id), c.edited_by])
        .flatten()
        .collect();
    let circle = accounts::access::circle(conn, scope)?;
    let authors = accounts::access::cards(conn, scope, &circle, &people)?;
    let carried = queries::carried_by_comments(conn, scope.viewer().user_id(), &ids)?;
    let with_files: Vec<CommentId> = carried.with_files.iter().copied().collect();
    let mut files = crate::files::views::on_comments(conn, &with_files)?;
    let links: Vec<(CommentId, &str)> = comments.iter().map(|c| (c.id, c.links.as_str())).collect();
    let mut previews = preview_views::on_comments(conn, &links)?;
    let mut cards = unfold::cards(conn, scope, &circle, &links)?;
    comments
        .iter()
        .map(|comment| {
            let author = authors
                .get(&comment.author_id)
                .ok_or_else(|| Error::internal("comment without author"))?;
            let own = scope.viewer().user_id() == Some(comment.author_id);
            let (edited_by_moderator, edited_by) =
                editor(comment.author_id, comment.edited_by, &authors);
            Ok(CommentView {
                id: comment.id.to_string(),
                post_id: comment.post_id.to_string(),
                author: author.clone(),
                body: comment.body.clone(),
                html: shown_html(&comment.html, &circle),
                like_count: comment.like_count,
                liked_by_me: carried.liked.contains(&comment.id),
                saved_by_me: carried.saved.contains(&comment.id),
                created_at: comment.created_at.and_utc(),
                edited_at: comment.edited_at.map(|t| t.and_utc()),
                edited_by_moderator,
                edited_by,
                can_edit: own || scope.moderates(group_id),
                can_delete: own || scope.moderates(group_id),
                employees_only: comment.employees_only,
                attachments: files.remove(&comment.id).unwrap_or_default(),
                previews: previews.remove(&comment.id).unwrap_or_default(),
                cards: cards.remove(&comment.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// `html` as the viewer may follow it: mention links lead only to people she may look up
/// (`circle`); the others read as the plain `@handle`.
fn shown_html(html: &str, circle: &Circle) -> String {
    match circle {
        Circle::Everyone => html.to_string(),
        circle => super::mention_links::unlink_mentions(html, |id| circle.contains(id)),
    }
}

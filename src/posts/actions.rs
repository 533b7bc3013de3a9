//! The only writers of posts: create, edit (keeping every earlier version), soft delete, like.
//! Each runs in the caller's transaction and appends its event.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;

use super::markup;
use super::model::Post;
use super::{access, queries};
use crate::access::Scope;
use crate::accounts::{self, User};
use crate::clock;
use crate::db::kept::{Param, kept};
use crate::db::schema::{mentions, post_likes, post_tags, post_versions, posts};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::events::{self, Event, PostChange, PostLike};
use crate::files::{self, actions::Target};
use crate::groups;
use crate::ids::{CommentId, GroupId, PostId, UserId};
use crate::links::{self, Rules};
use crate::on_backend;
use crate::tags;

/// Longest post body, in characters.
pub const MAX_POST: usize = 10_000;

/// A post to publish.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// Markdown.
    pub body: String,
    /// A group id; none: the company feed.
    pub group_id: Option<String>,
    /// Post quietly, notifying nobody (the group's owners and admins; site admins in the
    /// company feed): for bulk announcements.
    #[serde(default)]
    pub quiet: bool,
    /// In a group open to guests: for employees only, never shown to guests.
    #[serde(default)]
    pub employees_only: bool,
    /// Asks a question: its comments are answers, and the asker or a moderator marks the
    /// best one.
    #[serde(default)]
    pub question: bool,
    /// A poll to carry.
    #[serde(default)]
    pub poll: Option<super::polls::NewPoll>,
    /// Make it an announcement (site admins to the company, a group's owners and admins to
    /// the group).
    #[serde(default)]
    pub announcement: Option<super::announcements::NewAnnouncement>,
    /// Uploaded files to put on it, in order.
    #[serde(default)]
    pub attachments: Vec<crate::files::NewAttachment>,
    /// A post to share, with this post's body as the sharer's words on top.
    #[serde(default)]
    pub shared_post_id: Option<String>,
}

/// A body rendered, with what it refers to resolved.
pub(super) struct Rendered {
    pub html: String,
    pub links: String,
    /// The tags to record; created only when recorded, so a body kept from guests never
    /// brings a tag into being.
    pub tags: Vec<String>,
    pub mentioned: Vec<UserId>,
    /// The pages of ours it links to, as backlinks name them.
    pub targets: Vec<String>,
}

impl Rendered {
    /// For employees only: the tags stay out of tag feeds, trending and tag search, which
    /// guests read.
    pub(super) fn keep_from_guests(&mut self) {
        self.tags.clear();
    }

    /// What a deleted body leaves: nothing.
    pub(super) fn nothing() -> Rendered {
        Rendered {
            html: String::new(),
            links: "[]".to_string(),
            tags: Vec::new(),
            mentioned: Vec::new(),
            targets: Vec::new(),
        }
    }
}

/// Refuses an empty body or one longer than `max` characters.
fn check_body(body: &str, max: usize) -> Result<()> {
    if body.trim().is_empty() {
        return Err(invalid("body", "write something first"));
    }
    let length = body.chars().count();
    if length > max {
        return Err(invalid(
            "body",
            format!("at most {max} characters (this has {length})"),
        ));
    }
    Ok(())
}

/// The HTML a post with `body` would show, for the composer's preview; nothing is stored.
pub fn preview(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    body: &str,
) -> Result<String> {
    scope.viewer().require_user()?;
    check_body(body, MAX_POST)?;
    Ok(to_html(conn, scope, rules, body)?.0)
}

/// `body` as HTML with mentions linked of active users the writer may see (a guest: only
/// people who share a group with her); also what the body refers to.
fn to_html(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    body: &str,
) -> Result<(String, markup::Scanned, HashMap<String, User>)> {
    let scanned = markup::scan(body, rules);
    let mut users = accounts::system::users_by_handle(conn, &scanned.handles)?;
    // Most bodies mention no one: their writer's circle is not read (two statements).
    if !users.is_empty() {
        let circle = accounts::access::circle(conn, scope)?;
        users.retain(|_, user| circle.contains(user.id));
    }
    let html = markup::render(body, rules, &|handle| users.get(handle).map(|u| u.id));
    Ok((html, scanned, users))
}

/// Checks and renders `body`, with handles resolved to active users; its tags are named here and
/// created only if recorded (`index_body`).
pub(super) fn render_body(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    body: &str,
    max: usize,
) -> Result<Rendered> {
    check_body(body, max)?;
    let (html, scanned, users) = to_html(conn, scope, rules, body)?;
    let mut mentioned: Vec<UserId> = users.values().map(|u| u.id).collect();
    mentioned.sort_unstable();
    let links = serde_json::to_string(&scanned.links).map_err(Error::internal)?;
    let mut targets: Vec<String> = scanned
        .links
        .iter()
        .filter_map(|link| links::Target::of(link))
        .map(|target| target.key())
        .collect();
    targets.dedup();
    Ok(Rendered {
        html,
        links,
        tags: scanned.tags,
        mentioned,
        targets,
    })
}

/// Replaces the tag, mention and backlink rows of one body (`comment_id` `None`: the post's
/// own body) of a post in `group_id`.
pub(super) fn reindex_body(
    conn: &mut DbConnection,
    post_id: PostId,
    group_id: Option<GroupId>,
    comment_id: Option<CommentId>,
    rendered: &Rendered,
) -> Result<()> {
    let key = body_key(comment_id);
    diesel::delete(
        post_tags::table
            .filter(post_tags::post_id.eq(post_id))
            .filter(post_tags::comment_id.eq(key)),
    )
    .execute(conn)?;
    diesel::delete(
        mentions::table
            .filter(mentions::post_id.eq(post_id))
            .filter(mentions::comment_id.eq(key)),
    )
    .execute(conn)?;
    crate::links::backlinks::clear(conn, post_id, key)?;
    index_body(conn, post_id, group_id, comment_id, rendered)
}

/// Records the tag, mention and backlink rows of a new body, which has none yet.
pub(super) fn index_body(
    conn: &mut DbConnection,
    post_id: PostId,
    group_id: Option<GroupId>,
    comment_id: Option<CommentId>,
    rendered: &Rendered,
) -> Result<()> {
    let comment_id = body_key(comment_id);
    let now = clock::now();
    let tag_rows: Vec<_> = tags::actions::ensure_tags(conn, &rendered.tags)?
        .into_iter()
        .map(|tag| {
            (
                post_tags::tag_id.eq(tag),
                post_tags::post_id.eq(post_id),
                post_tags::comment_id.eq(comment_id),
                post_tags::group_id.eq(group_id),
                post_tags::created_at.eq(now),
            )
        })
        .collect();
    if !tag_rows.is_empty() {
        // Batch inserts need the inner connection: MultiConnection cannot express them.
        on_backend!(conn, |inner| diesel::insert_into(post_tags::table)
            .values(&tag_rows)
            .execute(inner))?;
    }
    let mention_rows: Vec<_> = rendered
        .mentioned
        .iter()
        .map(|user| {
            (
                mentions::post_id.eq(post_id),
                mentions::comment_id.eq(comment_id),
                mentions::user_id.eq(*user),
            )
        })
        .collect();
    if !mention_rows.is_empty() {
        on_backend!(conn, |inner| diesel::insert_into(mentions::table)
            .values(&mention_rows)
            .execute(inner))?;
    }
    crate::links::backlinks::record(conn, post_id, comment_id, &rendered.targets)
}

/// Publishes a post in the company feed or in one of the viewer's groups.
pub fn create_post(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    input: &NewPost,
) -> Result<Post> {
    let me = scope.viewer().require_user()?.id;
    let group = match input.group_id.as_deref() {
        Some(raw) => {
            let id = raw
                .parse()
                .map_err(|_| invalid("group_id", "no such group"))?;
            Some(
                groups::access::visible_group(conn, scope, id)
                    .map_err(|e| e.when_not_found(|| invalid("group_id", "no such group")))?,
            )
        }
        None => None,
    };
    if !scope.posts_in(group.as_ref()) {
        return Err(match &group {
            None => Error::forbidden(
                ErrorCode::CompanyFeedNotAllowed,
                "guests post in their groups; choose one",
            ),
            Some(g) if g.is_archived() => {
                Error::conflict(ErrorCode::GroupArchived, "this group is archived")
            }
            Some(g) if g.broadcast && scope.role_in(g.id).is_some() => Error::forbidden(
                ErrorCode::GroupAdminsOnly,
                "only the group's owners and admins post here; comment on their posts instead",
            ),
            Some(_) => Error::forbidden(ErrorCode::MembersOnly, "join the group to post in it"),
        });
    }
    if input.quiet && !scope.moderates(group.as_ref().map(|g| g.id)) {
        return Err(Error::forbidden(
            ErrorCode::QuietNotAllowed,
            "only the group's owners and admins post quietly",
        ));
    }
    if input.employees_only
        && (scope.viewer().is_walled() || !group.as_ref().is_some_and(|g| g.allow_guests))
    {
        return Err(invalid(
            "employees_only",
            "only employees mark posts, in groups open to guests",
        ));
    }
    let shared = input
        .shared_post_id
        .as_deref()
        .map(|raw| super::shares::original(conn, scope, raw, group.as_ref()))
        .transpose()?;
    let mut rendered = render_body(conn, scope, rules, &input.body, MAX_POST)?;
    if let Some(announcement) = &input.announcement {
        super::announcements::check(scope, group.as_ref().map(|g| g.id), announcement)?;
    }
    let poll = input
        .poll
        .as_ref()
        .map(|poll| super::polls::check(poll).map(|labels| (poll, labels)))
        .transpose()?;
    if input.employees_only {
        rendered.keep_from_guests();
    }
    let id = PostId(new_id());
    let now = clock::now();
    diesel::insert_into(posts::table)
        .values((
            posts::id.eq(id),
            posts::author_id.eq(me),
            posts::group_id.eq(group.as_ref().map(|g| g.id)),
            posts::body.eq(&input.body),
            posts::html.eq(&rendered.html),
            posts::links.eq(&rendered.links),
            posts::created_at.eq(now),
            posts::activity_at.eq(now),
            posts::open_activity_at.eq(now),
            posts::quiet.eq(input.quiet),
            posts::employees_only.eq(input.employees_only),
            posts::question.eq(input.question),
            posts::shared_post_id.eq(shared.as_ref().map(|p| p.id)),
        ))
        .execute(conn)?;
    if let Some(original) = &shared {
        super::shares::count(conn, original.id, 1)?;
    }
    index_body(conn, id, group.as_ref().map(|g| g.id), None, &rendered)?;
    if let Some((poll, labels)) = poll {
        super::polls::create(conn, id, poll, &labels)?;
    }
    if let Some(announcement) = &input.announcement {
        super::announcements::create(conn, id, group.as_ref().map(|g| g.id), announcement)?;
    }
    files::actions::attach(conn, scope, Target::Post(id), &input.attachments)?;
    let created = Event::PostCreated {
        author: me,
        post: id,
        group_id: group.as_ref().map(|g| g.id),
        quiet: input.quiet,
        employees_only: input.employees_only,
    };
    events::append(conn, &created)?;
    queries::find(conn, id)?.ok_or_else(|| Error::internal("post vanished after insert"))
}

/// Replaces a post's body (its author, or a moderator of its group or the site: see
/// [`Scope::moderates`]), keeping the old one in its history with who replaced it.
pub fn edit_post(
    conn: &mut DbConnection,
    scope: &Scope,
    rules: &Rules,
    id: PostId,
    body: &str,
) -> Result<Post> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if !scope.may_change(post.author_id, post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::AuthorOnly,
            "only the author or a moderator can edit a post",
        ));
    }
    if body == post.body {
        return Ok(post);
    }
    let mut rendered = render_body(conn, scope, rules, body, MAX_POST)?;
    if post.employees_only {
        rendered.keep_from_guests();
    }
    let now = clock::now();
    diesel::insert_into(post_versions::table)
        .values((
            post_versions::id.eq(new_id()),
            post_versions::post_id.eq(post.id),
            post_versions::body.eq(&post.body),
            post_versions::created_at.eq(now),
            post_versions::edited_by.eq(Some(me)),
        ))
        .execute(conn)?;
    diesel::update(posts::table.find(post.id))
        .set((
            posts::body.eq(body),
            posts::html.eq(&rendered.html),
            posts::links.eq(&rendered.links),
            posts::edited_at.eq(Some(now)),
            posts::edited_by.eq(Some(me)),
        ))
        .execute(conn)?;
    reindex_body(conn, post.id, post.group_id, None, &rendered)?;
    events::append(conn, &Event::PostEdited(change_of(&post, me)))?;
    queries::find(conn, post.id)?.ok_or_else(|| Error::not_found("post"))
}

/// Soft-deletes a post (author, group owners and admins, site admins): it leaves every read
/// path and stays in the database for audit. Open reports of it and its comments close.
pub fn delete_post(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<()> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if me != post.author_id && !scope.moderates(post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "only the author or a moderator can delete this post",
        ));
    }
    remove_post(conn, &post, me, None)?;
    crate::moderation::actions::item_removed(conn, post.id, None, me)
}

/// Takes `post` off every read path on `by`'s behalf: deleted, or hidden by a moderator for
/// `hidden_reason` (then its author still sees it, with the reason). Consumers are told
/// `post.deleted` either way: to them it is gone.
pub fn remove_post(
    conn: &mut DbConnection,
    post: &Post,
    by: UserId,
    hidden_reason: Option<&str>,
) -> Result<()> {
    let now = clock::now();
    diesel::update(posts::table.find(post.id))
        .set((
            posts::deleted_at.eq(Some(now)),
            posts::deleted_by.eq(Some(by)),
            posts::hidden_reason.eq(hidden_reason),
        ))
        .execute(conn)?;
    // Tag feeds and trending read `post_tags` alone, so a deleted post leaves it.
    diesel::delete(post_tags::table.filter(post_tags::post_id.eq(post.id))).execute(conn)?;
    files::actions::release_post(conn, post.id)?;
    if let Some(original) = post.shared_post_id {
        super::shares::count(conn, original, -1)?;
    }
    events::append(conn, &Event::PostDeleted(change_of(post, by)))?;
    Ok(())
}

/// Likes or unlikes a readable post; repeating either changes nothing. The count moves only
/// when a row was really added or removed, so it stays exact under concurrent likes.
pub fn set_post_like(
    conn: &mut DbConnection,
    scope: &Scope,
    id: PostId,
    like: bool,
) -> Result<Post> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    let changed = if like {
        let now = clock::now();
        let row = (
            post_likes::post_id.eq(post.id),
            post_likes::user_id.eq(me),
            post_likes::created_at.eq(now),
        );
        on_backend!(conn, |inner| diesel::insert_into(post_likes::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?
    } else {
        diesel::delete(post_likes::table.find((post.id, me))).execute(conn)?
    };
    if changed > 0 {
        let delta: i64 = if like { 1 } else { -1 };
        kept(
            "UPDATE posts SET like_count = like_count + ? WHERE id = ?",
            vec![Param::BigInt(delta), Param::BigInt(post.id.0)],
        )
        .execute(conn)?;
        let change = PostLike {
            liker: me,
            post: post.id,
            group_id: post.group_id,
            author_id: post.author_id,
            employees_only: post.employees_only,
        };
        let event = if like {
            Event::PostLiked(change)
        } else {
            Event::PostUnliked(change)
        };
        events::append(conn, &event)?;
    }
    queries::find(conn, post.id)?.ok_or_else(|| Error::not_found("post"))
}

/// An edit or deletion of `post` by `by`, as the log records it.
fn change_of(post: &Post, by: UserId) -> PostChange {
    PostChange {
        by,
        post: post.id,
        group_id: post.group_id,
        employees_only: post.employees_only,
    }
}

/// How `post_tags` and `mentions` key a body: a comment by its id, the post's own body as
/// comment 0.
pub(super) fn body_key(comment_id: Option<CommentId>) -> i64 {
    comment_id.map_or(0, i64::from)
}

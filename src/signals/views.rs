//! Notifications as the API and pages show them: who, what, where, and one sentence.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::notifications::{self, Notification};
use super::preferences::Kind;
use crate::access::Scope;
use crate::accounts::{self, User};
use crate::db::DbConnection;
use crate::error::{ErrorKind, Result};
use crate::groups;
use crate::ids::{GroupId, PostId, UserId};
use crate::posts::{self, Post};

/// Actors named in a notification; the rest are counted in `others`.
const NAMED: usize = 3;
/// Characters of a post quoted in a notification.
const EXCERPT: usize = 80;

/// A person as a notification names them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ActorRef {
    pub id: String,
    pub handle: String,
    pub name: String,
    /// For a guest, the domain of her email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_domain: Option<String>,
}

impl ActorRef {
    fn of(user: &User) -> ActorRef {
        ActorRef {
            id: user.id.to_string(),
            handle: user.handle.clone(),
            name: user.name.clone(),
            guest_domain: user.guest_domain(),
        }
    }
}

/// The post a notification is about.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PostRef {
    pub id: String,
    /// The start of its text.
    pub excerpt: String,
}

/// The group a notification is about.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// One (possibly grouped) notification.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// `mention`, `comment`, `like`, `follow`, `group_post`, `join_request`,
    /// `invitation_accepted`.
    pub kind: String,
    /// The newest actor.
    pub actor: ActorRef,
    /// Up to three recent actors, newest first (the first is `actor`).
    pub actors: Vec<ActorRef>,
    /// How many more people did the same: "Ann and 4 others".
    pub others: i64,
    pub post: Option<PostRef>,
    pub comment_id: Option<String>,
    pub group: Option<GroupRef>,
    pub read: bool,
    /// The sentence shown: "Ann and 4 others liked your post".
    pub text: String,
    /// Where it leads, relative to the site.
    pub url: String,
    pub created_at: NaiveDateTime,
    /// When the last actor was folded in.
    pub updated_at: NaiveDateTime,
}

/// A page of the viewer's notifications and the cursor of the next one.
pub fn page(
    conn: &mut DbConnection,
    scope: &Scope,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<NotificationView>, Option<String>)> {
    let rows = notifications::page_of(conn, scope, before, limit)?;
    let (rows, next) = crate::cursor::page(rows, limit, |row| {
        crate::cursor::encode("n", row.last_event_id)
    });
    Ok((views(conn, scope, &rows)?, next))
}

/// Views of `rows`, leaving out those whose post is gone or unreadable now.
pub fn views(
    conn: &mut DbConnection,
    scope: &Scope,
    rows: &[Notification],
) -> Result<Vec<NotificationView>> {
    let mut actor_ids: Vec<UserId> = rows
        .iter()
        .flat_map(|row| row.actor_ids().into_iter().take(NAMED))
        .collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let people = accounts::system::users_by_id(conn, &actor_ids)?;
    let group_ids: Vec<GroupId> = rows.iter().filter_map(|row| row.group_id).collect();
    let group_names = groups::system::groups_by_id(conn, &group_ids)?;
    let mut posts: HashMap<PostId, Post> = HashMap::new();
    for post_id in rows.iter().filter_map(|row| row.post_id) {
        if posts.contains_key(&post_id) {
            continue;
        }
        match posts::access::visible_post(conn, scope, post_id) {
            Ok(post) => {
                posts.insert(post_id, post);
            }
            Err(error) if error.kind == ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    let me = scope.viewer().user_id();
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let post = row.post_id.and_then(|id| posts.get(&id));
        if row.post_id.is_some() && post.is_none() {
            continue;
        }
        let named: Vec<&User> = row
            .actor_ids()
            .into_iter()
            .take(NAMED)
            .filter_map(|id| people.get(&id))
            .collect();
        let Some(first) = named.first() else {
            continue;
        };
        let named_first = first.marked_name();
        let actor = ActorRef::of(first);
        let actors: Vec<ActorRef> = named.iter().map(|u| ActorRef::of(u)).collect();
        let group = row
            .group_id
            .and_then(|id| group_names.get(&id))
            .map(|g| GroupRef {
                id: g.id.to_string(),
                name: g.name.clone(),
            });
        let others = i64::from(row.actor_count.max(1)) - 1;
        let kind = Kind::parse(&row.kind).unwrap_or(Kind::Mention);
        let mine = post.is_some_and(|p| Some(p.author_id) == me);
        let text = sentence(
            kind,
            &named_first,
            others,
            mine,
            group.as_ref().map(|g| g.name.as_str()),
        );
        let url = link(kind, row, group.as_ref(), &actor);
        views.push(NotificationView {
            id: row.id.to_string(),
            kind: row.kind.clone(),
            actor,
            actors,
            others,
            post: post.map(|p| PostRef {
                id: p.id.to_string(),
                excerpt: excerpt(&p.body),
            }),
            comment_id: row.comment_id.map(|id| id.to_string()),
            group,
            read: row.read_at.is_some(),
            text,
            url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        });
    }
    Ok(views)
}

/// The start of a post's text, on one line.
pub fn excerpt(body: &str) -> String {
    let text = posts::markup::plain_text(body);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT {
        flat
    } else {
        let cut: String = flat.chars().take(EXCERPT).collect();
        format!("{}…", cut.trim_end())
    }
}

/// "Ann", "Ann and Bo", "Ann and 4 others".
fn who(actor: &str, others: i64) -> String {
    match others {
        0 => actor.to_string(),
        1 => format!("{actor} and 1 other"),
        n => format!("{actor} and {n} others"),
    }
}

/// The sentence a notification shows.
pub fn sentence(
    kind: Kind,
    actor: &str,
    others: i64,
    my_post: bool,
    group: Option<&str>,
) -> String {
    let who = who(actor, others);
    let group = group.unwrap_or("a group");
    match kind {
        Kind::Mention => format!("{who} mentioned you"),
        Kind::Comment if my_post => format!("{who} commented on your post"),
        Kind::Comment => format!("{who} commented on a post you commented on"),
        Kind::Like if my_post => format!("{who} liked your post"),
        Kind::Like => format!("{who} liked your comment"),
        Kind::Follow => format!("{who} followed you"),
        Kind::GroupPost => format!("{who} posted in {group}"),
        Kind::JoinRequest => format!("{who} asked to join {group}"),
        Kind::InvitationAccepted => format!("{who} accepted your invitation to {group}"),
        Kind::Announcement => match group {
            "a group" => format!("{who} made an announcement to the company"),
            group => format!("{who} made an announcement in {group}"),
        },
    }
}

/// Where a notification leads.
fn link(kind: Kind, row: &Notification, group: Option<&GroupRef>, actor: &ActorRef) -> String {
    match (row.post_id, row.comment_id) {
        (Some(post), Some(comment)) => format!("/posts/{post}#comment-{comment}"),
        (Some(post), None) => format!("/posts/{post}"),
        _ => match (kind, group) {
            (Kind::Follow, _) | (_, None) => format!("/people/{}", actor.id),
            (_, Some(group)) => format!("/groups/{}", group.id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_group_actors() {
        assert_eq!(
            sentence(Kind::Like, "Ann", 4, true, None),
            "Ann and 4 others liked your post"
        );
        assert_eq!(
            sentence(Kind::Comment, "Ann", 1, false, None),
            "Ann and 1 other commented on a post you commented on"
        );
        assert_eq!(
            sentence(Kind::JoinRequest, "Bo", 0, false, Some("Beta")),
            "Bo asked to join Beta"
        );
    }

    #[test]
    fn excerpts_are_short_and_flat() {
        assert_eq!(excerpt("hello\n\nworld"), "hello world");
        let long = "word ".repeat(40);
        let cut = excerpt(&long);
        assert!(
            cut.ends_with('…') && cut.chars().count() <= EXCERPT + 1,
            "{cut}"
        );
    }
}

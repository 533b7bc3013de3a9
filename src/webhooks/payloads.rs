//! What a delivery carries, read when it is sent and as the endpoint's owner may read it then:
//! `{"type", "timestamp", "data"}` per Standard Webhooks, `data` holding the post, comment or
//! membership in the API's own shapes (docs/extensions.md lists them per type).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::model::Webhook;
use super::types::EventType;
use crate::access::Scope;
use crate::accounts::{UserView, system::users_by_id};
use crate::db::DbConnection;
use crate::error::Result;
use crate::events::{Event, Recorded};
use crate::ids::{GroupId, UserId};
use crate::posts::{access as posts, views};

/// The body of a delivery, or why nothing may be sent.
pub enum Body {
    Json(Vec<u8>),
    /// The owner may not read what the event is about (any more): nothing is sent.
    Skipped(String),
}

/// The body telling `hook` of `recorded`, read with the owner's `scope`.
pub fn body(
    conn: &mut DbConnection,
    scope: &Scope,
    hook: &Webhook,
    event_type: EventType,
    recorded: &Recorded,
) -> Result<Body> {
    let group = EventType::of(&recorded.event).and_then(|(_, group)| group);
    if hook.group_id.is_some() && hook.group_id != group {
        return Ok(Body::Skipped(
            "the event is not in the endpoint's group".into(),
        ));
    }
    let Some(data) = data(conn, scope, &recorded.event)? else {
        return Ok(Body::Skipped(
            "the endpoint's owner may not read what the event is about".into(),
        ));
    };
    let at = DateTime::<Utc>::from_naive_utc_and_offset(recorded.at, Utc);
    let body = json!({
        "type": event_type.as_str(),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    });
    Ok(Body::Json(body.to_string().into_bytes()))
}

/// The `data` of an event as `scope` reads it, or `None` when it may not.
fn data(conn: &mut DbConnection, scope: &Scope, event: &Event) -> Result<Option<Value>> {
    let readable = |result: Result<Value>| match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    };
    match event {
        Event::PostCreated { post, .. } => readable(post_data(conn, scope, *post)),
        Event::PostEdited(change) | Event::PollClosed(change) => {
            readable(post_data(conn, scope, change.post))
        }
        Event::CommentCreated { comment, .. } => readable(comment_data(conn, scope, *comment)),
        Event::CommentEdited(change) => readable(comment_data(conn, scope, change.comment)),
        Event::PostDeleted(change) => Ok(scope
            .reads_post(change.group_id, change.employees_only)
            .then(|| json!({"post_id": change.post.to_string(), "group_id": id_text(change.group_id)}))),
        Event::CommentDeleted(change) => Ok(scope
            .reads_post(change.group_id, change.employees_only)
            .then(|| {
                json!({
                    "comment_id": change.comment.to_string(),
                    "post_id": change.post_id.to_string(),
                    "group_id": id_text(change.group_id),
                })
            })),
        Event::GroupJoined { member, group } => readable(member_data(conn, scope, *group, *member)),
        Event::GroupMemberAdded(change) | Event::GroupMemberRemoved(change) => {
            readable(member_data(conn, scope, change.group, change.member))
        }
        _ => Ok(None),
    }
}

fn post_data(conn: &mut DbConnection, scope: &Scope, id: crate::ids::PostId) -> Result<Value> {
    let post = posts::visible_post(conn, scope, id)?;
    let view = views::post_views(conn, scope, &[post])?.remove(0);
    Ok(json!({ "post": view }))
}

fn comment_data(
    conn: &mut DbConnection,
    scope: &Scope,
    id: crate::ids::CommentId,
) -> Result<Value> {
    let (comment, post) = posts::visible_comment(conn, scope, id)?;
    let view = views::comment_views(conn, scope, post.group_id, &[comment])?.remove(0);
    Ok(json!({ "comment": view, "post_id": post.id.to_string() }))
}

fn member_data(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    member: UserId,
) -> Result<Value> {
    let group = crate::groups::access::visible_group(conn, scope, group_id)?;
    let group = crate::groups::access::views(conn, scope, &[group])?.remove(0);
    let people = users_by_id(conn, &[member])?;
    let person = people
        .get(&member)
        .ok_or_else(|| crate::error::Error::not_found("user"))?;
    Ok(json!({ "group": group, "member": UserView::byline(person, scope.viewer()) }))
}

fn id_text(id: Option<GroupId>) -> Option<String> {
    id.map(|id| id.to_string())
}

//! What each user wants to hear: per kind of notification, in the app, by email at once, only
//! in the digest, or not at all; and the threads they muted.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;

use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::{notification_settings, thread_mutes};
use crate::error::{ErrorKind, Result, invalid};
use crate::ids::{PostId, UserId};
use crate::on_backend;
use crate::posts;

/// A kind of notification (API.md "Signals").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Someone mentioned me in a post or comment.
    Mention,
    /// Someone commented on my post, or on a post I commented on.
    Comment,
    /// Someone liked my post or comment.
    Like,
    /// Someone followed me.
    Follow,
    /// A new post in a group I set to "each post".
    GroupPost,
    /// Someone asked to join a group I own or administer.
    JoinRequest,
    /// A guest I invited accepted.
    InvitationAccepted,
    /// An announcement to the company or to one of my groups.
    Announcement,
}

impl Kind {
    /// Every kind, in the order settings list them.
    pub const ALL: [Kind; 8] = [
        Kind::Mention,
        Kind::Comment,
        Kind::Like,
        Kind::Follow,
        Kind::GroupPost,
        Kind::JoinRequest,
        Kind::InvitationAccepted,
        Kind::Announcement,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Comment => "comment",
            Kind::Like => "like",
            Kind::Follow => "follow",
            Kind::GroupPost => "group_post",
            Kind::JoinRequest => "join_request",
            Kind::InvitationAccepted => "invitation_accepted",
            Kind::Announcement => "announcement",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// What settings call it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Mention => "Someone mentions me",
            Kind::Comment => "Comments on my posts and on posts I commented on",
            Kind::Like => "Likes of my posts and comments",
            Kind::Follow => "New followers",
            Kind::GroupPost => "New posts in groups I set to “each post”",
            Kind::JoinRequest => "Requests to join groups I manage",
            Kind::InvitationAccepted => "Guests I invited accepting",
            Kind::Announcement => "Announcements (those that must be read are always emailed)",
        }
    }

    /// Mentions and announcements are worth an email; the rest wait in the app.
    pub fn default_delivery(self) -> Delivery {
        match self {
            Kind::Mention | Kind::Announcement => Delivery::Email,
            _ => Delivery::App,
        }
    }

    /// Whether muting a thread silences this kind: mentions still come through, as they name
    /// the reader personally.
    pub fn mutable(self) -> bool {
        matches!(self, Kind::Comment | Kind::Like | Kind::GroupPost)
    }
}

/// How a kind of notification reaches its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// In the app only.
    App,
    /// In the app, and by email at once.
    Email,
    /// Only in the digest: no notification in the app.
    Digest,
    /// Not at all.
    Off,
}

impl Delivery {
    /// Every choice, in the order settings offer them.
    pub const ALL: [Delivery; 4] = [
        Delivery::App,
        Delivery::Email,
        Delivery::Digest,
        Delivery::Off,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::App => "app",
            Delivery::Email => "email",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }

    /// The choice named `name`, if any.
    pub fn parse(name: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// What settings call it.
    pub fn label(self) -> &'static str {
        match self {
            Delivery::App => "In the app",
            Delivery::Email => "Email at once (and in the app)",
            Delivery::Digest => "In the digest only",
            Delivery::Off => "Off",
        }
    }

    /// Whether a notification appears in the app.
    pub fn in_app(self) -> bool {
        matches!(self, Delivery::App | Delivery::Email)
    }
}

/// Every kind with the user's choice (or its default), in [`Kind::ALL`] order.
pub fn settings_of(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<(Kind, Delivery)>> {
    let stored: HashMap<String, String> = notification_settings::table
        .filter(notification_settings::user_id.eq(user_id))
        .select((notification_settings::kind, notification_settings::delivery))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(Kind::ALL
        .into_iter()
        .map(|kind| {
            let chosen = stored.get(kind.as_str()).and_then(|d| Delivery::parse(d));
            (kind, chosen.unwrap_or(kind.default_delivery()))
        })
        .collect())
}

/// Stores the user's choices, given by name; an unknown kind or delivery is refused whole.
pub fn update_settings(
    conn: &mut DbConnection,
    scope: &Scope,
    changes: &[(String, String)],
) -> Result<Vec<(Kind, Delivery)>> {
    let me = scope.viewer().require_user()?.id;
    let mut parsed = Vec::with_capacity(changes.len());
    for (kind, delivery) in changes {
        let kind = Kind::parse(kind)
            .ok_or_else(|| invalid("kinds", format!("no kind of notification named “{kind}”")))?;
        let delivery = Delivery::parse(delivery).ok_or_else(|| {
            invalid(
                "kinds",
                format!("“{delivery}” is not one of app, email, digest, off"),
            )
        })?;
        parsed.push((kind, delivery));
    }
    for (kind, delivery) in parsed {
        let row = (
            notification_settings::user_id.eq(me),
            notification_settings::kind.eq(kind.as_str()),
            notification_settings::delivery.eq(delivery.as_str()),
        );
        on_backend!(conn, |inner| diesel::insert_into(
            notification_settings::table
        )
        .values(row)
        .on_conflict((notification_settings::user_id, notification_settings::kind))
        .do_update()
        .set(notification_settings::delivery.eq(delivery.as_str()))
        .execute(inner))?;
    }
    settings_of(conn, me)
}

/// How each of `user_ids` takes notifications of `kind`.
pub fn deliveries(
    conn: &mut DbConnection,
    kind: Kind,
    user_ids: &[UserId],
) -> Result<HashMap<UserId, Delivery>> {
    let mut chosen = HashMap::new();
    for chunk in user_ids.chunks(1000) {
        let rows: Vec<(UserId, String)> = notification_settings::table
            .filter(notification_settings::kind.eq(kind.as_str()))
            .filter(notification_settings::user_id.eq_any(chunk))
            .select((
                notification_settings::user_id,
                notification_settings::delivery,
            ))
            .load(conn)?;
        chosen.extend(
            rows.into_iter()
                .filter_map(|(user, d)| Delivery::parse(&d).map(|d| (user, d))),
        );
    }
    Ok(user_ids
        .iter()
        .map(|user| {
            let delivery = chosen.get(user).copied();
            (*user, delivery.unwrap_or(kind.default_delivery()))
        })
        .collect())
}

/// Mutes (or unmutes) the thread of a post the viewer may read.
pub fn set_thread_mute(
    conn: &mut DbConnection,
    scope: &Scope,
    post_id: PostId,
    mute: bool,
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    let post = posts::access::visible_post(conn, scope, post_id)?;
    if mute {
        let row = (
            thread_mutes::user_id.eq(me),
            thread_mutes::post_id.eq(post.id),
            thread_mutes::created_at.eq(Utc::now().naive_utc()),
        );
        on_backend!(conn, |inner| diesel::insert_into(thread_mutes::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?;
    } else {
        diesel::delete(thread_mutes::table.find((post.id, me))).execute(conn)?;
    }
    Ok(())
}

/// Which of `user_ids` muted the thread of `post_id`.
pub fn muted_among(
    conn: &mut DbConnection,
    post_id: PostId,
    user_ids: &[UserId],
) -> Result<HashSet<UserId>> {
    let mut muted = HashSet::new();
    for chunk in user_ids.chunks(1000) {
        let rows: Vec<UserId> = thread_mutes::table
            .filter(thread_mutes::post_id.eq(post_id))
            .filter(thread_mutes::user_id.eq_any(chunk))
            .select(thread_mutes::user_id)
            .load(conn)?;
        muted.extend(rows);
    }
    Ok(muted)
}

/// The posts whose threads the viewer muted and may still read, newest mute first.
pub fn muted_threads(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<posts::Post>> {
    let me = scope.viewer().require_user()?.id;
    let ids: Vec<PostId> = thread_mutes::table
        .filter(thread_mutes::user_id.eq(me))
        .order(thread_mutes::created_at.desc())
        .select(thread_mutes::post_id)
        .limit(200)
        .load(conn)?;
    let mut muted = Vec::with_capacity(ids.len());
    for id in ids {
        match posts::access::visible_post(conn, scope, id) {
            Ok(post) => muted.push(post),
            Err(error) if error.kind == ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(muted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_mentions_default_to_email() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for delivery in Delivery::ALL {
            assert_eq!(Delivery::parse(delivery.as_str()), Some(delivery));
        }
        assert_eq!(Kind::parse("likes"), None);
        assert_eq!(Kind::Mention.default_delivery(), Delivery::Email);
        assert_eq!(Kind::Like.default_delivery(), Delivery::App);
        assert!(!Delivery::Digest.in_app() && Delivery::Email.in_app());
    }
}

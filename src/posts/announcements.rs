//! Announcements: posts that site admins make to the company and group owners and admins make
//! to their group, pinned atop the feeds that show them until they end or each reader
//! dismisses them. A "must read" one is dismissed only by "I have read this", and its author
//! and the place's moderators see who has and who has not. Guests hear of their groups'
//! announcements, never the company's, since the policy decides who reads each.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::access;
use super::model::Post;
use crate::access::Scope;
use crate::accounts::{self, UserView};
use crate::clock;
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{announcement_reads, announcements, memberships, users};
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::ids::{GroupId, PostId, UserId};
use crate::on_backend;

/// Announcements pinned atop one feed, at most.
const PINNED: i64 = 5;

/// What makes a new post an announcement.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncement {
    /// Readers say "I have read this" rather than dismiss it; its author sees who has.
    #[serde(default)]
    pub must_read: bool,
    /// When it stops being pinned; none: until each reader dismisses it.
    pub ends_at: Option<DateTime<Utc>>,
}

/// An announcement as its reader sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AnnouncementView {
    pub must_read: bool,
    pub ends_at: Option<DateTime<Utc>>,
    /// Whether this reader dismissed it or said she read it.
    pub read_by_me: bool,
}

/// Who of an announcement's audience has read it: for its author and the place's moderators.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReadReport {
    pub read: i64,
    /// Everyone it is for: active employees (company), or the group's active members.
    pub audience: i64,
    /// Those who have not, whom the asker may see.
    pub unread: Vec<UserView>,
}

/// An announcement row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = announcements)]
pub struct Announcement {
    pub post_id: PostId,
    pub group_id: Option<GroupId>,
    pub must_read: bool,
    pub ends_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Refuses `announcement` on a post in `group` (none: the company) unless the writer
/// moderates that place: a site admin for the company, an owner or admin for a group.
pub(super) fn check(
    scope: &Scope,
    group: Option<GroupId>,
    announcement: &NewAnnouncement,
) -> Result<()> {
    if !scope.moderates(group) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            match group {
                None => "only site admins announce to the company",
                Some(_) => "only the group's owners and admins announce in it",
            },
        ));
    }
    if announcement
        .ends_at
        .is_some_and(|at| at.naive_utc() <= clock::now())
    {
        return Err(invalid(
            "announcement.ends_at",
            "choose an end in the future",
        ));
    }
    Ok(())
}

/// Makes post `post_id` in `group` an announcement, in the post's transaction.
pub(super) fn create(
    conn: &mut DbConnection,
    post_id: PostId,
    group: Option<GroupId>,
    announcement: &NewAnnouncement,
) -> Result<()> {
    diesel::insert_into(announcements::table)
        .values((
            announcements::post_id.eq(post_id),
            announcements::group_id.eq(group),
            announcements::must_read.eq(announcement.must_read),
            announcements::ends_at.eq(announcement.ends_at.map(|at| at.naive_utc())),
            announcements::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The announcement of post `post_id`, if it is one.
pub fn of(conn: &mut DbConnection, post_id: PostId) -> Result<Option<Announcement>> {
    Ok(announcements::table
        .find(post_id)
        .select(Announcement::as_select())
        .first(conn)
        .optional()?)
}

/// Where pinned announcements are shown.
#[derive(Clone, Copy, Debug)]
pub enum Board {
    /// Home: the company's and those of the reader's groups.
    Home,
    /// The company feed: the company's.
    Company,
    /// A group's page: the group's.
    Group(GroupId),
}

/// Newest first, the live announcements for `board` the viewer reads and has not dismissed.
pub fn pinned(conn: &mut DbConnection, scope: &Scope, board: Board) -> Result<Vec<Post>> {
    let me = scope.viewer().require_user()?.id;
    let now = clock::now();
    let mut query = announcements::table
        .filter(
            announcements::ends_at
                .is_null()
                .or(announcements::ends_at.gt(now)),
        )
        .filter(
            announcements::post_id.ne_all(
                announcement_reads::table
                    .filter(announcement_reads::user_id.eq(me))
                    .select(announcement_reads::post_id),
            ),
        )
        .order(announcements::created_at.desc())
        .limit(PINNED)
        .select(announcements::post_id)
        .into_boxed();
    query = match board {
        Board::Home => query.filter(announcements::group_id.is_null().or(one_of(
            announcements::group_id.assume_not_null(),
            scope.member_groups(),
        ))),
        Board::Company => query.filter(announcements::group_id.is_null()),
        Board::Group(id) => query.filter(announcements::group_id.eq(id)),
    };
    let ids: Vec<PostId> = query.load(conn)?;
    // The policy decides: a guest never gets the company's, whatever the board.
    access::readable_posts(conn, scope, &ids)
}

/// Dismisses announcement `id` for the viewer, or records that she read it (must read);
/// repeating changes nothing.
pub fn mark_read(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<()> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    if of(conn, post.id)?.is_none() {
        return Err(Error::conflict(
            ErrorCode::NotAnAnnouncement,
            "this post is not an announcement",
        ));
    }
    let row = (
        announcement_reads::post_id.eq(post.id),
        announcement_reads::user_id.eq(me),
        announcement_reads::read_at.eq(clock::now()),
    );
    on_backend!(conn, |inner| diesel::insert_into(announcement_reads::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(inner))?;
    Ok(())
}

/// Everyone an announcement is for: the company's active employees, or its group's active
/// members (guests among them). The notifier asks each one's scope before telling her.
pub fn audience(conn: &mut DbConnection, announcement: &Announcement) -> Result<Vec<UserId>> {
    // Bots are never among the readers counted: nobody reads for them.
    let active = users::table
        .filter(users::deactivated_at.is_null())
        .filter(users::kind.ne(crate::accounts::UserKind::Bot.as_str()));
    Ok(match announcement.group_id {
        None => active
            .filter(users::kind.ne("guest"))
            .select(users::id)
            .load(conn)?,
        Some(group) => active
            .inner_join(memberships::table.on(memberships::user_id.eq(users::id)))
            .filter(memberships::group_id.eq(group))
            .select(users::id)
            .load(conn)?,
    })
}

/// Who has read announcement `id`: for its author and the moderators of its place.
pub fn read_report(conn: &mut DbConnection, scope: &Scope, id: PostId) -> Result<ReadReport> {
    let post = access::visible_post(conn, scope, id)?;
    let announcement = of(conn, post.id)?.ok_or_else(|| {
        Error::conflict(
            ErrorCode::NotAnAnnouncement,
            "this post is not an announcement",
        )
    })?;
    if !scope.may_change(post.author_id, post.group_id) {
        return Err(Error::forbidden(
            ErrorCode::NotAllowed,
            "only its author and the moderators see who read it",
        ));
    }
    // Its author read it as she wrote it.
    let mut audience = audience(conn, &announcement)?;
    audience.retain(|u| *u != post.author_id);
    let readers: HashSet<UserId> = announcement_reads::table
        .filter(announcement_reads::post_id.eq(post.id))
        .select(announcement_reads::user_id)
        .load::<UserId>(conn)?
        .into_iter()
        .collect();
    let unread: Vec<UserId> = audience
        .iter()
        .copied()
        .filter(|u| !readers.contains(u))
        .collect();
    let circle = accounts::access::circle(conn, scope)?;
    let cards = accounts::access::cards(conn, scope, &circle, &unread)?;
    let mut unread: Vec<UserView> = unread
        .iter()
        .filter_map(|u| cards.get(u).cloned())
        .collect();
    unread.sort_by(|a, b| a.name.cmp(&b.name));
    let total = i64::try_from(audience.len()).unwrap_or(i64::MAX);
    let read =
        i64::try_from(audience.iter().filter(|u| readers.contains(u)).count()).unwrap_or(i64::MAX);
    Ok(ReadReport {
        read,
        audience: total,
        unread,
    })
}

/// The announcements among `posts` as the viewer sees them, by post.
pub(super) fn views(
    conn: &mut DbConnection,
    scope: &Scope,
    posts: &[Post],
) -> Result<std::collections::HashMap<PostId, AnnouncementView>> {
    if posts.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let rows: Vec<Announcement> = announcements::table
        .filter(one_of(announcements::post_id, ids.clone()))
        .select(Announcement::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Default::default());
    }
    let read: HashSet<PostId> = match scope.viewer().user_id() {
        Some(me) => announcement_reads::table
            .filter(announcement_reads::user_id.eq(me))
            .filter(one_of(announcement_reads::post_id, ids))
            .select(announcement_reads::post_id)
            .load::<PostId>(conn)?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    Ok(rows
        .into_iter()
        .map(|a| {
            let view = AnnouncementView {
                must_read: a.must_read,
                ends_at: a.ends_at.map(|at| at.and_utc()),
                read_by_me: read.contains(&a.post_id),
            };
            (a.post_id, view)
        })
        .collect())
}

//! What the posts (or comments) of a page carry besides their own rows, read in one round
//! trip: their tags and mentions, whether the viewer liked and saved each, and which of them
//! have a poll, an announcement or files, so that those are read only where they exist.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{
    announcements, attachments, bookmarks, comment_likes, mentions, polls, post_likes, post_tags,
    tags,
};
use crate::error::Result;
use crate::ids::{CommentId, PostId, UserId};
use crate::on_backend;

/// What a page's posts carry, by post.
#[derive(Debug, Default)]
pub(in crate::posts) struct Carried {
    /// Tag names, in alphabetical order.
    pub tags: HashMap<PostId, Vec<String>>,
    pub mentions: HashMap<PostId, Vec<UserId>>,
    pub liked: HashSet<PostId>,
    pub saved: HashSet<PostId>,
    pub with_poll: HashSet<PostId>,
    pub with_announcement: HashSet<PostId>,
    pub with_files: HashSet<PostId>,
}

// Which branch a row comes from.
const TAG: i32 = 0;
const MENTION: i32 = 1;
const LIKED: i32 = 2;
const SAVED: i32 = 3;
const POLL: i32 = 4;
const ANNOUNCEMENT: i32 = 5;
const FILES: i32 = 6;

/// What `post_ids` carry, with `viewer`'s likes and bookmarks (none for no viewer).
///
/// One `UNION ALL` of a branch per kind, each a bounded index lookup by post; every row is
/// (kind, post, a name, a number).
pub(in crate::posts) fn carried(
    conn: &mut DbConnection,
    viewer: Option<UserId>,
    post_ids: &[PostId],
) -> Result<Carried> {
    if post_ids.is_empty() {
        return Ok(Carried::default());
    }
    let ids = || post_ids.to_vec();
    // No user has id 0: without a viewer, nothing is liked or saved.
    let viewer = viewer.unwrap_or(UserId(0));
    let no_name = || None::<String>.into_sql::<Nullable<Text>>();
    let no_number = || None::<i64>.into_sql::<Nullable<BigInt>>();
    let marked = |kind: i32| kind.into_sql::<Integer>();
    // Each name looked up by its key: as a join, PostgreSQL would rather hash every tag.
    let tag_name = tags::table
        .filter(tags::id.eq(post_tags::tag_id))
        .select(tags::name)
        .single_value();
    let tagged = post_tags::table
        .filter(one_of(post_tags::post_id, ids()))
        .filter(post_tags::comment_id.eq(0))
        .select((marked(TAG), post_tags::post_id, tag_name, no_number()));
    let mentioned = mentions::table
        .filter(one_of(mentions::post_id, ids()))
        .filter(mentions::comment_id.eq(0))
        .select((
            marked(MENTION),
            mentions::post_id,
            no_name(),
            mentions::user_id.nullable(),
        ));
    // The viewer's likes and bookmarks are indexed by (user, post): bounded by the page's
    // lowest and highest post, a short range of that index is read, where PostgreSQL would
    // otherwise read every like of hers and test each against the page's ids.
    let lowest = post_ids.iter().min().copied().unwrap_or(PostId(0));
    let highest = post_ids.iter().max().copied().unwrap_or(PostId(0));
    let liked = post_likes::table
        .filter(post_likes::user_id.eq(viewer))
        .filter(post_likes::post_id.between(lowest, highest))
        .filter(one_of(post_likes::post_id, ids()))
        .select((marked(LIKED), post_likes::post_id, no_name(), no_number()));
    let saved = bookmarks::table
        .filter(bookmarks::user_id.eq(viewer))
        .filter(bookmarks::comment_id.is_null())
        .filter(bookmarks::post_id.between(lowest, highest))
        .filter(one_of(bookmarks::post_id, ids()))
        .select((marked(SAVED), bookmarks::post_id, no_name(), no_number()));
    let with_poll = polls::table.filter(one_of(polls::post_id, ids())).select((
        marked(POLL),
        polls::post_id,
        no_name(),
        no_number(),
    ));
    let with_announcement = announcements::table
        .filter(one_of(announcements::post_id, ids()))
        .select((
            marked(ANNOUNCEMENT),
            announcements::post_id,
            no_name(),
            no_number(),
        ));
    let with_files = attachments::table
        .filter(one_of(attachments::post_id.assume_not_null(), ids()))
        .filter(attachments::gone_at.is_null())
        .select((
            marked(FILES),
            attachments::post_id.assume_not_null(),
            no_name(),
            no_number(),
        ));
    let all = tagged
        .union_all(mentioned)
        .union_all(liked)
        .union_all(saved)
        .union_all(with_poll)
        .union_all(with_announcement)
        .union_all(with_files);
    // Compound statements need the inner connection: MultiConnection cannot express them.
    let rows: Vec<(i32, PostId, Option<String>, Option<i64>)> =
        on_backend!(conn, |inner| all.load(inner))?;
    let mut carried = Carried::default();
    for (kind, post, name, number) in rows {
        match (kind, name, number) {
            (TAG, Some(name), _) => carried.tags.entry(post).or_default().push(name),
            (MENTION, _, Some(user)) => {
                carried.mentions.entry(post).or_default().push(UserId(user))
            }
            (LIKED, ..) => _ = carried.liked.insert(post),
            (SAVED, ..) => _ = carried.saved.insert(post),
            (POLL, ..) => _ = carried.with_poll.insert(post),
            (ANNOUNCEMENT, ..) => _ = carried.with_announcement.insert(post),
            (FILES, ..) => _ = carried.with_files.insert(post),
            _ => {}
        }
    }
    for names in carried.tags.values_mut() {
        names.sort_unstable();
    }
    Ok(carried)
}

/// What a page's comments carry, by comment: whether the viewer liked and saved each, and
/// which have files.
#[derive(Debug, Default)]
pub(in crate::posts) struct CarriedByComments {
    pub liked: HashSet<CommentId>,
    pub saved: HashSet<CommentId>,
    pub with_files: HashSet<CommentId>,
}

/// What `comment_ids` carry, with `viewer`'s likes and bookmarks (none for no viewer): one
/// `UNION ALL` of (kind, comment) rows, as [`carried`] for posts.
pub(in crate::posts) fn carried_by_comments(
    conn: &mut DbConnection,
    viewer: Option<UserId>,
    comment_ids: &[CommentId],
) -> Result<CarriedByComments> {
    if comment_ids.is_empty() {
        return Ok(CarriedByComments::default());
    }
    let ids = || comment_ids.to_vec();
    let viewer = viewer.unwrap_or(UserId(0));
    let marked = |kind: i32| kind.into_sql::<Integer>();
    let liked = comment_likes::table
        .filter(comment_likes::user_id.eq(viewer))
        .filter(one_of(comment_likes::comment_id, ids()))
        .select((marked(LIKED), comment_likes::comment_id));
    let saved = bookmarks::table
        .filter(bookmarks::user_id.eq(viewer))
        .filter(one_of(bookmarks::comment_id.assume_not_null(), ids()))
        .select((marked(SAVED), bookmarks::comment_id.assume_not_null()));
    let with_files = attachments::table
        .filter(one_of(attachments::comment_id.assume_not_null(), ids()))
        .filter(attachments::gone_at.is_null())
        .select((marked(FILES), attachments::comment_id.assume_not_null()));
    let all = liked.union_all(saved).union_all(with_files);
    let rows: Vec<(i32, CommentId)> = on_backend!(conn, |inner| all.load(inner))?;
    let mut carried = CarriedByComments::default();
    for (kind, comment) in rows {
        let set = match kind {
            LIKED => &mut carried.liked,
            SAVED => &mut carried.saved,
            _ => &mut carried.with_files,
        };
        set.insert(comment);
    }
    Ok(carried)
}

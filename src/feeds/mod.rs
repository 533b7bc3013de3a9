//! Feeds: home, company, group, tag and person, newest first and cursor-paged. Read-time
//! merges: the viewer's followed people, tags and groups are resolved once, each source gives
//! at most a page, and the pages are merged; then authors, groups, counts and `liked_by_me`
//! are filled in one query each.

use std::collections::BTreeMap;

use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::follows;
use crate::groups;
use crate::posts::access::{self, Source};
use crate::posts::{Post, PostView, views};
use crate::{accounts, tags};

/// Which feed to read.
#[derive(Clone, Debug)]
pub enum Feed {
    /// Own posts, people and tags followed, groups joined.
    Home,
    /// Every post the viewer may see outside private groups (not for guests).
    Company,
    Group(i64),
    Tag(String),
    Person(i64),
}

/// One page of a feed.
#[derive(Debug)]
pub struct FeedPage {
    pub items: Vec<PostView>,
    pub next_cursor: Option<String>,
}

/// A page of `feed` for the viewer, older than `cursor`.
pub fn read(
    conn: &mut DbConnection,
    scope: &Scope,
    feed: &Feed,
    cursor: Option<&str>,
    limit: i64,
) -> Result<FeedPage> {
    let me = scope.viewer.require_user()?.id;
    let before = cursor
        .map(|c| crate::cursor::decode(c).map(|(_, id)| id))
        .transpose()?;
    let fetch = limit + 1;
    let posts = match feed {
        Feed::Home => {
            let mut authors = follows::followed_users(conn, me)?;
            authors.push(me);
            let member_of: Vec<i64> = scope.roles.keys().copied().collect();
            let tag_ids = follows::followed_tags(conn, me)?;
            let mut sources = vec![access::feed_page(
                conn,
                scope,
                Source::Authors(&authors),
                before,
                fetch,
            )?];
            if !member_of.is_empty() {
                sources.push(access::feed_page(
                    conn,
                    scope,
                    Source::Groups(&member_of),
                    before,
                    fetch,
                )?);
            }
            if !tag_ids.is_empty() {
                sources.push(access::feed_page(
                    conn,
                    scope,
                    Source::Tags(&tag_ids),
                    before,
                    fetch,
                )?);
            }
            merge(sources, fetch)
        }
        Feed::Company => {
            if !scope.reads_company() {
                return Err(Error::forbidden(
                    "guest_not_allowed",
                    "guests see only their groups",
                ));
            }
            access::feed_page(conn, scope, Source::Company, before, fetch)?
        }
        Feed::Group(id) => {
            let group = groups::access::readable_group(conn, scope, *id)?;
            access::feed_page(conn, scope, Source::Group(group.id), before, fetch)?
        }
        Feed::Tag(name) => {
            let name = tags::actions::normalize(name)?;
            match tags::queries::id_of(conn, &name)? {
                Some(tag) => access::feed_page(conn, scope, Source::Tags(&[tag]), before, fetch)?,
                None => Vec::new(),
            }
        }
        Feed::Person(id) => {
            let person = accounts::access::visible_user(conn, scope, *id)?;
            access::feed_page(conn, scope, Source::Authors(&[person.id]), before, fetch)?
        }
    };
    let (posts, next_cursor) =
        crate::cursor::page(posts, limit, |p| crate::cursor::encode("p", p.id));
    Ok(FeedPage {
        items: views::post_views(conn, scope, &posts)?,
        next_cursor,
    })
}

/// Newest first, without duplicates, at most `limit`.
fn merge(sources: Vec<Vec<Post>>, limit: i64) -> Vec<Post> {
    let mut by_id: BTreeMap<i64, Post> = BTreeMap::new();
    for post in sources.into_iter().flatten() {
        by_id.insert(post.id, post);
    }
    by_id
        .into_values()
        .rev()
        .take(usize::try_from(limit).unwrap_or(0))
        .collect()
}

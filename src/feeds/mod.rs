//! Feeds: home, company, group, tag and person, newest first and cursor-paged. Read-time
//! merges: the viewer's followed people, tags and groups are resolved once, each source gives
//! at most a page, and the pages are merged; then the page is filled: authors, groups, and what
//! its posts carry (tags, mentions, the viewer's likes and bookmarks) in one statement.

pub mod atom;

use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result};
use crate::groups;
use crate::ids::{GroupId, UserId};
use crate::posts::access::{self, Member, Source};
use crate::posts::listing::{After, Listing, Sort};
use crate::posts::{PostView, views};
use crate::{accounts, tags};

/// Which feed to read.
#[derive(Clone, Debug)]
pub enum Feed {
    /// Own posts, people and tags followed, groups joined.
    Home,
    /// Every post the viewer may see outside private groups (not for guests).
    Company(Listing),
    Group(GroupId, Listing),
    Tag(String, Listing),
    Person(UserId),
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
    let me = scope.viewer().require_user()?.id;
    let sort = match feed {
        Feed::Company(listing) | Feed::Group(_, listing) | Feed::Tag(_, listing) => listing.sort,
        Feed::Home | Feed::Person(_) => Sort::Latest,
    };
    let after = cursor.map(|c| sort.after(c)).transpose()?;
    let before = match after {
        Some(After::Latest(id)) => Some(id),
        _ => None,
    };
    let fetch = limit + 1;
    // A merged feed may stop early with a short page and say where to go on.
    let mut continue_before = None;
    let posts = match feed {
        Feed::Home => {
            let follows = scope.follows(conn)?;
            let mut members: Vec<Member> =
                follows.users.iter().copied().map(Member::Author).collect();
            members.push(Member::Author(me));
            members.extend(scope.member_groups().into_iter().map(Member::Group));
            members.extend(follows.tags.iter().copied().map(Member::Tag));
            // A first page likely ends about where her last one did.
            let floors = scope.memory().filter(|_| before.is_none());
            let floor = floors.and_then(|(remembered, _)| remembered.home_floor(me, fetch));
            let page = access::merged_page(conn, scope, &members, before, floor, fetch)?;
            if let (Some((remembered, _)), Some(full_to)) = (floors, page.full_to) {
                remembered.set_home_floor(me, fetch, full_to);
            }
            continue_before = page.continue_before;
            page.posts
        }
        Feed::Company(listing) => {
            if !scope.reads_company() {
                return Err(Error::forbidden(
                    ErrorCode::GuestNotAllowed,
                    "guests see only their groups",
                ));
            }
            access::feed_page(conn, scope, Source::Company, *listing, after, fetch)?
        }
        Feed::Group(id, listing) => {
            let group = groups::access::readable_group(conn, scope, *id)?;
            access::feed_page(conn, scope, Source::Group(group.id), *listing, after, fetch)?
        }
        Feed::Tag(name, listing) => {
            let name = tags::actions::normalize(name)?;
            match tags::system::id_of(conn, &name)? {
                Some(tag) => {
                    access::feed_page(conn, scope, Source::Tags(&[tag]), *listing, after, fetch)?
                }
                None => Vec::new(),
            }
        }
        Feed::Person(id) => {
            let person = accounts::access::visible_user(conn, scope, *id)?;
            let source = Source::Author(person.id);
            access::feed_page(conn, scope, source, Listing::default(), after, fetch)?
        }
    };
    let guest = scope.viewer().is_walled();
    let (posts, next_cursor) = crate::cursor::page(posts, limit, |p| sort.cursor_after(p, guest));
    let next_cursor =
        next_cursor.or_else(|| continue_before.map(|id| crate::cursor::encode("p", id)));
    Ok(FeedPage {
        items: views::post_views(conn, scope, &posts)?,
        next_cursor,
    })
}

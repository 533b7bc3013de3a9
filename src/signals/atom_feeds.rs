//! What an Atom reader gets: the feed token names the reader, and the feed is read with that
//! reader's scope through [`crate::feeds::read`] — the same read the pages and the API use, so
//! a feed shows exactly what its owner may see there (and refuses what they refuse).

use serde::Serialize;

use super::feed_tokens;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, ErrorKind, Result};
use crate::feeds::{self, Feed};
use crate::groups::{self, Group};
use crate::ids::{GroupId, UserId};
use crate::posts::PostView;
use crate::signing::Signer;

/// Entries in one Atom document: what a reader polling now and then needs.
pub const ENTRIES: i64 = 50;

/// One feed as its token's owner may read it.
#[derive(Debug)]
pub struct TokenFeed {
    pub reader_id: UserId,
    pub title: String,
    pub posts: Vec<PostView>,
}

/// `feed` for the owner of feed token `token`; 401 for a token that does not work.
pub fn read(
    conn: &mut DbConnection,
    signer: &Signer,
    token: &str,
    feed: &Feed,
) -> Result<TokenFeed> {
    // A bot reads only through its tokens, whose group limits a feed address would not carry.
    let reader = feed_tokens::resolve(conn, signer, token)?
        .filter(|reader| reader.kind() != crate::accounts::UserKind::Bot);
    let reader = reader.ok_or_else(|| {
        Error::new(
            ErrorKind::Unauthenticated,
            ErrorCode::BadFeedToken,
            "this feed address has no valid token; copy it again from Settings → Feeds",
        )
    })?;
    let scope = Scope::resolve(conn, &reader.viewer())?;
    let page = feeds::read(conn, &scope, feed, None, ENTRIES).map_err(|error| match feed {
        // A feed reader cannot ask to join: a group it may not read is simply not there.
        Feed::Group(..) if error.kind == ErrorKind::Forbidden => Error::not_found("group"),
        _ => error,
    })?;
    let title = match feed {
        Feed::Home => format!("Home of {}", reader.name),
        Feed::Company(_) => "Company".to_string(),
        Feed::Group(id, _) => groups::access::readable_group(conn, &scope, *id)?.name,
        Feed::Tag(name, _) => format!("#{}", name.trim_start_matches('#').to_lowercase()),
        Feed::Person(id) => {
            let person = crate::accounts::access::visible_user(conn, &scope, *id)?;
            format!("Posts by {}", person.name)
        }
    };
    Ok(TokenFeed {
        reader_id: reader.id,
        title: format!("{title} · Agora"),
        posts: page.items,
    })
}

/// A reader's feed addresses, each carrying their feed token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedAddresses {
    /// The read-only feed token (`?token=`); it opens nothing but these feeds.
    pub token: String,
    pub home_url: String,
    /// `None` for guests, who have no company feed.
    pub company_url: Option<String>,
    /// Any group's feed: replace `{id}` with the group's id.
    pub group_url_template: String,
    /// Any tag's feed: replace `{name}` with the tag.
    pub tag_url_template: String,
    /// Any person's posts: replace `{id}` with the person's id.
    pub person_url_template: String,
}

impl FeedAddresses {
    /// The addresses under `base` (the public URL) for `token`'s owner, whose scope is `scope`.
    pub fn new(base: &str, token: String, scope: &Scope) -> FeedAddresses {
        let url = |path: &str| format!("{base}{path}?token={token}");
        FeedAddresses {
            home_url: url("/feeds/home.atom"),
            company_url: scope.reads_company().then(|| url("/feeds/company.atom")),
            group_url_template: url("/groups/{id}.atom"),
            tag_url_template: url("/tags/{name}.atom"),
            person_url_template: url("/people/{id}.atom"),
            token,
        }
    }

    /// The feed address of group `id`.
    pub fn group_url(&self, id: &str) -> String {
        self.group_url_template.replace("{id}", id)
    }
}

/// What the feed settings page shows: the addresses while a token is active, and the feed of
/// each of the reader's groups.
#[derive(Debug)]
pub struct ReaderFeeds {
    pub addresses: Option<FeedAddresses>,
    /// (group name, feed address), by name; empty without a token.
    pub groups: Vec<(String, String)>,
}

/// The reader's feeds under `base`, without making a token.
pub fn reader_feeds(
    conn: &mut DbConnection,
    signer: &Signer,
    base: &str,
    scope: &Scope,
) -> Result<ReaderFeeds> {
    let me = scope.viewer().require_user()?.id;
    let Some(token) = feed_tokens::current(conn, signer, me)? else {
        return Ok(ReaderFeeds {
            addresses: None,
            groups: Vec::new(),
        });
    };
    let addresses = FeedAddresses::new(base, token, scope);
    let ids: Vec<GroupId> = scope.member_groups();
    let mut mine: Vec<Group> = groups::system::groups_by_id(conn, &ids)?
        .into_values()
        .collect();
    mine.sort_by_key(|group| group.name.to_lowercase());
    let groups = mine
        .into_iter()
        .map(|group| {
            let url = addresses.group_url(&group.id.to_string());
            (group.name, url)
        })
        .collect();
    Ok(ReaderFeeds {
        addresses: Some(addresses),
        groups,
    })
}

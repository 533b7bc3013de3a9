//! What templates show beyond the domain's views: times for people ("5 min ago", with the
//! exact time for a tooltip), feeds with their "Load more" link, and the post composer.

use chrono::{DateTime, Utc};

use super::form::{self, FieldErrors, PAGE_SIZE};
use crate::App;
use crate::access::Scope;
use crate::db::DbConnection;
use crate::error::Result;
use crate::feeds::{self, Feed};
use crate::groups;
use crate::http::api::read;
use crate::http::extract::Caller;
use crate::ids::GroupId;
use crate::posts::PostView;
use crate::posts::listing::{Listing, Show, Sort, Window};
use crate::posts::views::VersionView;
use actix_web::web;

/// Times as people read them. Templates call these on `created_at` and friends.
pub trait Times {
    /// "just now", "5 min ago", "3 h ago", "2 d ago", then the date.
    fn ago(&self) -> String;
    /// The exact time, for a `title` attribute.
    fn exact(&self) -> String;
    /// RFC 3339, for a `datetime` attribute.
    fn iso(&self) -> String;
}

impl Times for DateTime<Utc> {
    fn ago(&self) -> String {
        ago_at(*self, Utc::now())
    }

    fn exact(&self) -> String {
        self.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    fn iso(&self) -> String {
        self.to_rfc3339()
    }
}

fn ago_at(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes();
    match minutes {
        ..1 => "just now".to_string(),
        1..60 => format!("{minutes} min ago"),
        60..1440 => format!("{} h ago", minutes / 60),
        1440..10080 => format!("{} d ago", minutes / 1440),
        _ => then.format("%-d %b %Y").to_string(),
    }
}

/// One page of a feed as a page shows it.
#[derive(Debug)]
pub struct FeedList {
    pub posts: Vec<PostView>,
    /// The "Load more" link, when there are older posts.
    pub more: Option<String>,
}

/// The choices above a feed: which posts (all, questions, the unanswered) and in what order
/// (latest, recent activity, top). Each link keeps the other choice.
#[derive(Debug)]
pub struct FeedControls {
    /// The feed page's own address, without a query.
    pub path: String,
    pub listing: Listing,
}

impl FeedControls {
    /// The "show" links: text, address, and whether it is the current one.
    pub fn shows(&self) -> Vec<(&'static str, String, bool)> {
        [
            ("All posts", Show::All),
            ("Questions", Show::Questions),
            ("Unanswered", Show::Unanswered),
        ]
        .into_iter()
        .map(|(text, show)| {
            let listing = Listing {
                show,
                ..self.listing
            };
            (text, self.url(listing), listing == self.listing)
        })
        .collect()
    }

    /// The order links: text, address, and whether it is the current one.
    pub fn sorts(&self) -> Vec<(&'static str, String, bool)> {
        [
            ("Latest", Sort::Latest),
            ("Recent activity", Sort::Activity),
            ("Top this week", Sort::Top(Window::Week)),
            ("Top this month", Sort::Top(Window::Month)),
            ("Top of all time", Sort::Top(Window::All)),
        ]
        .into_iter()
        .map(|(text, sort)| {
            let listing = Listing {
                sort,
                ..self.listing
            };
            (text, self.url(listing), listing == self.listing)
        })
        .collect()
    }

    /// The page's address with its choices, which "Load more" keeps.
    pub fn current(&self) -> String {
        self.url(self.listing)
    }

    /// The page's address for `listing`, leaving out what is the default.
    fn url(&self, listing: Listing) -> String {
        let mut query = Vec::new();
        match listing.show {
            Show::All => {}
            Show::Questions => query.push("show=questions".to_string()),
            Show::Unanswered => query.push("show=unanswered".to_string()),
        }
        match listing.sort {
            Sort::Latest => {}
            Sort::Activity => query.push("sort=activity".to_string()),
            Sort::Top(window) => query.push(format!("sort=top&window={}", window.as_str())),
        }
        match query.is_empty() {
            true => self.path.clone(),
            false => format!("{}?{}", self.path, query.join("&")),
        }
    }
}

/// A page of `feed` for the caller, older than `cursor`; `path` is the page's own address.
pub async fn feed_list(
    app: &web::Data<App>,
    caller: &Caller,
    feed: Feed,
    cursor: Option<String>,
    path: &str,
) -> Result<FeedList> {
    let page = read(app, caller, move |conn, scope| {
        feeds::read(conn, scope, &feed, cursor.as_deref(), PAGE_SIZE)
    })
    .await?;
    Ok(FeedList {
        more: form::more_link(path, page.next_cursor.as_deref()),
        posts: page.items,
    })
}

/// A group the viewer may post in, for the composer's select.
#[derive(Clone, Debug)]
pub struct GroupChoice {
    pub id: String,
    pub name: String,
}

/// The post composer: where the viewer may post, and what they typed.
#[derive(Clone, Debug, Default)]
pub struct Composer {
    /// Employees and admins may post to the company feed; guests must pick a group.
    pub company: bool,
    pub groups: Vec<GroupChoice>,
    /// The chosen group id; empty: the company feed.
    pub selected: String,
    pub body: String,
    /// A poll's options as typed, one per line (kept when a post is refused).
    pub poll_options: String,
    /// Files uploaded for a post that was refused, kept for the next try.
    pub attachments: Vec<crate::files::NewAttachment>,
    pub errors: FieldErrors,
    /// Where to go after posting.
    pub back: String,
    /// The post this one shares, as the viewer sees it.
    pub shared: Option<crate::posts::PostView>,
}

impl Composer {
    /// An empty composer for the viewer, with `selected` chosen when they may post there.
    pub fn load(conn: &mut DbConnection, scope: &Scope, selected: &str) -> Result<Composer> {
        let ids: Vec<GroupId> = scope.member_groups();
        let mut groups: Vec<_> = groups::system::groups_by_id(conn, &ids)?
            .into_values()
            .filter(|g| scope.posts_in(Some(g)))
            .collect();
        groups.sort_by(|a, b| a.name_key.cmp(&b.name_key));
        Ok(Composer {
            company: scope.reads_company(),
            groups: groups
                .into_iter()
                .map(|g| GroupChoice {
                    id: g.id.to_string(),
                    name: g.name,
                })
                .collect(),
            selected: selected.to_string(),
            ..Composer::default()
        })
    }

    /// Whether the viewer may post anywhere at all.
    pub fn usable(&self) -> bool {
        self.company || !self.groups.is_empty()
    }

    /// `selected` attribute for the option of group `id` (empty: the company feed).
    pub fn is_selected(&self, id: &str) -> bool {
        self.selected == id
    }
}

/// One edit: the version it replaced, when, and the words it changed.
pub struct Edit {
    pub version: VersionView,
    /// (`same`, `removed` or `added`, text), in order.
    pub changes: Vec<(&'static str, String)>,
}

impl Edit {
    /// Each of `versions` (newest first) against its successor, the newest against `current`.
    pub fn list(current: &str, versions: Vec<VersionView>) -> Vec<Edit> {
        let mut newer = current.to_string();
        versions
            .into_iter()
            .map(|version| {
                let changes = crate::posts::diff::words(&version.body, &newer)
                    .into_iter()
                    .map(|change| match change {
                        crate::posts::diff::Change::Same(text) => ("same", text),
                        crate::posts::diff::Change::Removed(text) => ("removed", text),
                        crate::posts::diff::Change::Added(text) => ("added", text),
                    })
                    .collect();
                newer.clone_from(&version.body);
                Edit { version, changes }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn times_read_like_people_say_them() {
        let now = Utc.with_ymd_and_hms(2025, 3, 12, 14, 0, 0).unwrap();
        assert_eq!(ago_at(now - Duration::seconds(20), now), "just now");
        assert_eq!(ago_at(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago_at(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(ago_at(now - Duration::days(2), now), "2 d ago");
        assert_eq!(ago_at(now - Duration::days(40), now), "31 Jan 2025");
        assert_eq!(now.exact(), "2025-03-12 14:00 UTC");
    }
}

//! The search results page: the toolbar's query, tabs by type, post filters folded into the
//! query language, and "Load more" with the search's cursor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{FieldErrors, PAGE_SIZE, refused};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::groups::{GroupView, access as groups};
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::search::{self, Counts, Hit, Kind};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(show));
}

/// Most groups offered in the filter's select; beyond them, `in:` in the box still works.
const GROUP_CHOICES: i64 = 100;

/// `?q=&type=&cursor=`, and the post filters `group`, `from`, `after` and `before`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchQuery {
    q: String,
    #[serde(rename = "type")]
    kind: String,
    cursor: Option<String>,
    group: String,
    from: String,
    after: String,
    before: String,
}

#[derive(Template)]
#[template(path = "pages/search/show.html")]
struct ShowPage {
    layout: Layout,
    q: String,
    /// The tab in force: `""` for all, else `posts`, `people`, `groups` or `tags`.
    kind: &'static str,
    tabs: Vec<Tab>,
    /// The same search over every type.
    all: String,
    groups: Vec<GroupChoice>,
    /// None before anything was searched for or when the query was refused.
    results: Option<Vec<Found>>,
    more: Option<String>,
    /// True on a "Load more" page.
    later_page: bool,
    errors: FieldErrors,
}

/// A link to the same search restricted to one type.
struct Tab {
    label: &'static str,
    href: String,
    current: bool,
    /// How many results of this type the reader may see ("1000+" past the cap); empty before
    /// a search.
    count: String,
}

/// A group the viewer can see, for the filter's select.
struct GroupChoice {
    /// What `in:` takes: the name, or the id when the name would not read back as one.
    value: String,
    name: String,
}

/// One result as the page shows it.
struct Found {
    badge: &'static str,
    title: String,
    /// HTML from the search: matches in `<mark>`, everything else escaped.
    snippet: String,
    url: String,
    /// A guest's mark: the person found, or the post's author.
    guest_domain: Option<String>,
}

const TABS: [(&str, &str); 5] = [
    ("All", ""),
    ("Posts", "posts"),
    ("People", "people"),
    ("Groups", "groups"),
    ("Tags", "tags"),
];

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    let SearchQuery {
        q,
        kind,
        cursor,
        group,
        from,
        after,
        before,
    } = query.into_inner();
    let kind = TABS
        .iter()
        .map(|(_, k)| *k)
        .find(|k| !k.is_empty() && Kind::parse(&kind) == Kind::parse(k))
        .unwrap_or("");
    let folded = fold(&q, &group, &from, &after, &before);
    if folded != q {
        // The filters become part of the query, so the box, the tabs and "Load more" all
        // carry one search.
        return Ok(see_other(&address(&folded, kind, None)));
    }
    let mut layout = Layout::signed_in(&req, &caller, "Search", Section::None)?;
    layout.query.clone_from(&q);

    let (generation, settings) = (app.search.current(), app.config.search.clone());
    let asked = !q.trim().is_empty();
    let (text, page) = (q.clone(), cursor.clone());
    let (groups, found) = read(&app, &caller, move |conn, scope| {
        let (groups, _) = groups::directory(conn, scope, None, None, GROUP_CHOICES)?;
        if !asked {
            return Ok((groups, None));
        }
        let request = search::Request {
            q: &text,
            kind: Kind::parse(kind),
            cursor: page.as_deref(),
            limit: usize::try_from(PAGE_SIZE).unwrap_or(20),
        };
        Ok((
            groups,
            Some(search::search(conn, scope, &generation, &settings, request)),
        ))
    })
    .await?;

    let mut counts = None;
    let (status, results, more, errors) = match found {
        None => (StatusCode::OK, None, None, FieldErrors::default()),
        Some(Ok(found)) => {
            let more = found.next_cursor.map(|c| address(&q, kind, Some(&c)));
            counts = Some(found.counts);
            let results = found.hits.into_iter().map(Found::of).collect();
            (StatusCode::OK, Some(results), more, FieldErrors::default())
        }
        Some(Err(error)) => {
            let refusal = refused(error)?;
            (refusal.status, None, None, refusal.errors)
        }
    };
    let page = ShowPage {
        layout,
        tabs: TABS
            .iter()
            .map(|&(label, k)| Tab {
                label,
                href: address(&q, k, None),
                current: k == kind,
                count: counts.map(|c| tab_count(&c, k)).unwrap_or_default(),
            })
            .collect(),
        groups: groups.iter().map(GroupChoice::of).collect(),
        all: address(&q, "", None),
        q,
        kind,
        results,
        more,
        later_page: cursor.is_some(),
        errors,
    };
    render(status, &page)
}

/// The count a tab shows: its type's, or all of them for "All".
fn tab_count(counts: &Counts, kind: &str) -> String {
    let count = match Kind::parse(kind) {
        None => counts.total,
        Some(Kind::Post) => counts.posts,
        Some(Kind::Person) => counts.people,
        Some(Kind::Group) => counts.groups,
        Some(Kind::Tag) => counts.tags,
    };
    count.label()
}

impl Found {
    fn of(hit: Hit) -> Found {
        let badge = match Kind::parse(hit.kind) {
            Some(Kind::Post) => "Post",
            Some(Kind::Person) => "Person",
            Some(Kind::Group) => "Group",
            Some(Kind::Tag) | None => "Tag",
        };
        Found {
            badge,
            title: hit.title,
            snippet: hit.snippet,
            url: hit.url,
            guest_domain: hit.guest_domain,
        }
    }
}

impl GroupChoice {
    fn of(group: &GroupView) -> GroupChoice {
        let ambiguous = group.name.contains('"') || group.name.trim().parse::<i64>().is_ok();
        GroupChoice {
            value: if ambiguous {
                group.id.clone()
            } else {
                group.name.clone()
            },
            name: group.name.clone(),
        }
    }
}

/// `q` with the post filters appended in the query language: `in:`, `from:@`, `after:` and
/// `before:`. Empty filters add nothing; the search checks what they say.
fn fold(q: &str, group: &str, from: &str, after: &str, before: &str) -> String {
    let mut parts = vec![q.trim().to_string()];
    let group = group.trim().replace('"', "");
    if group.contains(char::is_whitespace) {
        parts.push(format!("in:\"{group}\""));
    } else if !group.is_empty() {
        parts.push(format!("in:{group}"));
    }
    if let Some(handle) = from.split_whitespace().next() {
        parts.push(format!("from:@{}", handle.trim_start_matches('@')));
    }
    for (filter, day) in [("after", after.trim()), ("before", before.trim())] {
        if !day.is_empty() {
            parts.push(format!("{filter}:{day}"));
        }
    }
    if parts.len() == 1 {
        return q.to_string();
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

/// The results page for `q`, of type `kind` (`""`: all), from `cursor`.
fn address(q: &str, kind: &str, cursor: Option<&str>) -> String {
    let mut href = format!("/search?q={}", encode(q));
    if !kind.is_empty() {
        href.push_str(&format!("&type={kind}"));
    }
    if let Some(cursor) = cursor {
        // Cursors are URL-safe base64.
        href.push_str(&format!("&cursor={cursor}"));
    }
    href
}

/// Percent-encodes `s` for a query string value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_fold_into_the_query_language() {
        assert_eq!(fold("launch", "", "", "", ""), "launch");
        assert_eq!(
            fold("  spaced ", "", " ", "", ""),
            "  spaced ",
            "nothing to fold"
        );
        assert_eq!(
            fold("launch", "Product team", "@ana", "2026-01-01", "2026-02-01"),
            "launch in:\"Product team\" from:@ana after:2026-01-01 before:2026-02-01"
        );
        assert_eq!(fold("", "ops", "bob", "", ""), "in:ops from:@bob");
        assert_eq!(
            fold("x", "say \"hi\" team", "", "", ""),
            "x in:\"say hi team\""
        );
    }

    #[test]
    fn addresses_encode_the_query() {
        assert_eq!(
            address("\"launch day\" #rust&co", "posts", Some("abc_-")),
            "/search?q=%22launch%20day%22%20%23rust%26co&type=posts&cursor=abc_-"
        );
        assert_eq!(address("é", "", None), "/search?q=%C3%A9");
    }
}

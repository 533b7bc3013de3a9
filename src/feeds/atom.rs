//! Atom 1.0 (RFC 4287) documents of a feed page, written through the template
//! `web/templates/feeds/atom.xml` (escaped as XML). What goes in was read through the access
//! policy by [`super::read`]; this only writes it out: ids and links from the public URL, the
//! post's sanitised HTML as `html` content, the author, the tags as categories.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::posts::PostView;

/// The words of an entry title taken from the post's first line.
const TITLE_CHARS: usize = 80;

/// One Atom document to write.
#[derive(Debug)]
pub struct AtomFeed<'a> {
    /// The public URL without a trailing slash; every link and id starts with it.
    pub base: &'a str,
    /// The feed's id: its URL without the token, plus what makes it unique to one reader.
    pub id: String,
    pub title: String,
    /// Where the feed is read (what a feed reader re-fetches).
    pub self_url: String,
    /// The page showing the same feed.
    pub page_path: String,
    pub posts: &'a [PostView],
}

impl AtomFeed<'_> {
    /// When the newest entry last changed; the epoch for an empty feed, so that an unchanged
    /// feed always renders the same bytes.
    pub fn updated(&self) -> DateTime<Utc> {
        self.posts
            .iter()
            .map(updated)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// The document (`web/templates/feeds/atom.xml`).
    pub fn render(&self) -> Result<String> {
        let entries = self
            .posts
            .iter()
            .map(|post| Entry {
                permalink: format!("{}/posts/{}", self.base, post.id),
                title: title(post),
                published: stamp(post.created_at),
                updated: stamp(updated(post)),
                post,
            })
            .collect();
        let document = Document {
            feed: self,
            updated: stamp(self.updated()),
            entries,
        };
        document.render().map_err(Error::internal)
    }
}

#[derive(Template)]
#[template(path = "feeds/atom.xml")]
struct Document<'a> {
    feed: &'a AtomFeed<'a>,
    updated: String,
    entries: Vec<Entry<'a>>,
}

/// What an entry needs beyond its post.
struct Entry<'a> {
    permalink: String,
    title: String,
    published: String,
    updated: String,
    post: &'a PostView,
}

impl Entry<'_> {
    /// The post's HTML, and its poll as a line of text (the tally where the reader sees it).
    fn content(&self) -> String {
        match &self.post.poll {
            Some(poll) => format!(
                "{}<p>{}</p>",
                self.post.html,
                crate::html::escape(&poll.as_text())
            ),
            None => self.post.html.clone(),
        }
    }
}

fn updated(post: &PostView) -> DateTime<Utc> {
    post.edited_at.unwrap_or(post.created_at)
}

/// RFC 3339 in UTC, as Atom wants its dates.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The post's first non-empty line, shortened; "Post by …" when there is none.
fn title(post: &PostView) -> String {
    let line = post
        .body
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        return format!("Post by {}", post.author.name);
    }
    if line.chars().count() <= TITLE_CHARS {
        return line.to_string();
    }
    let short: String = line.chars().take(TITLE_CHARS - 1).collect();
    format!("{}…", short.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc_3339_in_utc() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(stamp(at), "2027-01-15T08:00:00Z");
    }

    #[test]
    fn an_empty_feed_is_well_formed_and_dated_at_the_epoch() {
        let feed = AtomFeed {
            base: "https://agora.example",
            id: "https://agora.example/feeds/company.atom".into(),
            title: "Tom & Jerry's <feed>".into(),
            self_url: "https://agora.example/feeds/company.atom?token=a&b".into(),
            page_path: "/company".into(),
            posts: &[],
        };
        let xml = feed.render().unwrap();
        assert!(
            !xml.contains("Tom & Jerry's <feed>") && !xml.contains("token=a&b"),
            "{xml}"
        );
        assert!(
            xml.contains("<title>Tom &#38;") || xml.contains("<title>Tom &amp;"),
            "{xml}"
        );
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(xml.trim_end().ends_with("</feed>"));
        let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        assert_eq!(parsed.title.unwrap().content, "Tom & Jerry's <feed>");
    }
}

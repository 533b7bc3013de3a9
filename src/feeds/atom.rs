//! Atom 1.0 (RFC 4287) documents of a feed page. What goes in was read through the access
//! policy by [`super::read`]; this only writes it out: ids and links from the public URL, the
//! post's sanitised HTML as `html` content, the author, the tags as categories.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::html::escape;
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

    /// The document.
    pub fn render(&self) -> String {
        let mut xml = String::with_capacity(1024 + self.posts.len() * 1024);
        let base = self.base;
        xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let _ = writeln!(
            xml,
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"{}/\">",
            escape(base)
        );
        let _ = writeln!(xml, "  <id>{}</id>", escape(&self.id));
        let _ = writeln!(xml, "  <title>{}</title>", escape(&self.title));
        let _ = writeln!(xml, "  <updated>{}</updated>", stamp(self.updated()));
        let _ = writeln!(
            xml,
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
            escape(&self.self_url)
        );
        let _ = writeln!(
            xml,
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}{}\"/>",
            escape(base),
            escape(&self.page_path)
        );
        xml.push_str("  <generator>Agora</generator>\n");
        for post in self.posts {
            entry(&mut xml, base, post);
        }
        xml.push_str("</feed>\n");
        xml
    }
}

fn entry(xml: &mut String, base: &str, post: &PostView) {
    let permalink = format!("{base}/posts/{}", post.id);
    xml.push_str("  <entry>\n");
    let _ = writeln!(xml, "    <id>{}</id>", escape(&permalink));
    let _ = writeln!(xml, "    <title>{}</title>", escape(&title(post)));
    let _ = writeln!(xml, "    <published>{}</published>", stamp(post.created_at));
    let _ = writeln!(xml, "    <updated>{}</updated>", stamp(updated(post)));
    let _ = writeln!(
        xml,
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(&permalink)
    );
    let _ = writeln!(
        xml,
        "    <author><name>{}</name><uri>{}/people/{}</uri></author>",
        escape(&post.author.name),
        escape(base),
        escape(&post.author.id)
    );
    for tag in &post.tags {
        let _ = writeln!(xml, "    <category term=\"{}\"/>", escape(tag));
    }
    if let Some(group) = &post.group {
        let _ = writeln!(
            xml,
            "    <category term=\"group:{}\" label=\"{}\"/>",
            escape(&group.id),
            escape(&group.name)
        );
    }
    let _ = writeln!(
        xml,
        "    <content type=\"html\">{}</content>",
        escape(&post.html)
    );
    xml.push_str("  </entry>\n");
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
        let xml = feed.render();
        assert!(xml.contains("<title>Tom &amp; Jerry&#39;s &lt;feed&gt;</title>"));
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(xml.contains("href=\"https://agora.example/feeds/company.atom?token=a&amp;b\""));
        assert!(xml.ends_with("</feed>\n"));
    }
}

//! One reader's digest for one period: what they may see from the people, tags and groups
//! they follow, since their last digest of that period, minus what they met already and
//! their own posts, ranked and capped.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use super::Period;
use super::ranking;
use crate::access::Scope;
use crate::accounts::{self, User};
use crate::config::Config;
use crate::db::DbConnection;
use crate::db::ids::id_at;
use crate::error::Result;
use crate::follows;
use crate::groups;
use crate::ids::{GroupId, PostId, UserId};
use crate::posts::access::{self, Member};
use crate::posts::{Post, PostStats};
use crate::signals::frequency::{self, EmailFrequency};
use crate::signals::seen;

/// Newest posts taken from each followed person, tag or group: with dozens of sources, plenty
/// for ranking to choose ten from, and bounded, so a prolific source costs one short index
/// range.
const PER_SOURCE: i64 = 10;
/// Characters of a post's text shown under its title.
const EXCERPT_CHARS: usize = 240;
/// Characters of the first line used as a title.
const TITLE_CHARS: usize = 90;

/// A post as a digest lists it.
#[derive(Clone, Debug)]
pub struct DigestItem {
    pub post_id: PostId,
    pub title: String,
    /// The rest of the text, shortened; may be empty.
    pub excerpt: String,
    pub author: String,
    pub group: Option<String>,
    pub likes: i64,
    /// Comments the reader may see (a guest's count leaves out those for employees only).
    pub comments: i64,
    /// Deep link to the post.
    pub link: String,
    /// Its poll as a line of text: the tally where the reader may see it.
    pub poll: Option<String>,
}

/// A reader's digest.
#[derive(Clone, Debug)]
pub struct Digest {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub period: Period,
    /// Best first, at most the configured number.
    pub items: Vec<DigestItem>,
    /// Posts that qualified but were left out by the cap.
    pub more: usize,
}

/// `user`'s digest for `period`, covering posts after `since`, as of `now`.
pub fn compose(
    conn: &mut DbConnection,
    config: &Config,
    user: &User,
    period: Period,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Digest> {
    let scope = Scope::resolve(conn, &user.viewer())?;
    let own = Period::parse(&user.digest);
    let groups = frequency::of_member(conn, user.id)?;
    let members = sources(conn, user.id, &groups, period, own)?;
    let after = PostId(id_at(
        u64::try_from(since.and_utc().timestamp_millis()).unwrap_or(0),
        0,
    ));
    let candidates = access::recent_from(conn, &scope, &members, after, PER_SOURCE)?;

    // A group's frequency decides for all of its posts, however they were found.
    let held_back: HashSet<GroupId> = groups
        .iter()
        .filter(|(_, f)| !f.in_digest(period, own))
        .map(|(g, _)| *g)
        .collect();
    let wanted: Vec<PostStats> = candidates
        .into_iter()
        .filter(|p| p.author_id != user.id)
        .filter(|p| p.group_id.is_none_or(|g| !held_back.contains(&g)))
        .collect();
    let ids: Vec<PostId> = wanted.iter().map(|p| p.id).collect();
    let met = seen::among(conn, user.id, &ids)?;
    let mut ranked: Vec<(f64, PostId)> = wanted
        .iter()
        .filter(|p| !met.contains(&p.id))
        .map(|p| {
            let comments = p.comments_seen_by(&scope);
            (
                ranking::score(p.like_count, comments, p.created_at, now),
                p.id,
            )
        })
        .collect();
    ranked.sort_by(|(a, p), (b, q)| b.total_cmp(a).then(q.cmp(p)));
    let more = ranked.len().saturating_sub(config.digests.max_posts);
    ranked.truncate(config.digests.max_posts);
    let best: Vec<PostId> = ranked.iter().map(|(_, id)| *id).collect();
    let mut rows = access::readable_posts(conn, &scope, &best)?;
    rows.sort_by_key(|p| best.iter().position(|id| *id == p.id));
    let shown = rows;
    Ok(Digest {
        user_id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        period,
        items: items(conn, config, &scope, &shown)?,
        more,
    })
}

/// What feeds `period`'s digest: the people and tags followed when it is the reader's own
/// period, and the groups whose frequency sends them to it.
fn sources(
    conn: &mut DbConnection,
    user_id: UserId,
    groups: &[(GroupId, EmailFrequency)],
    period: Period,
    own: Option<Period>,
) -> Result<Vec<Member>> {
    let mut members: Vec<Member> = groups
        .iter()
        .filter(|(_, f)| f.in_digest(period, own))
        .map(|(g, _)| Member::Group(*g))
        .collect();
    if own == Some(period) {
        members.extend(
            follows::followed_users(conn, user_id)?
                .into_iter()
                .map(Member::Author),
        );
        members.extend(
            follows::followed_tags(conn, user_id)?
                .into_iter()
                .map(Member::Tag),
        );
    }
    Ok(members)
}

/// The listed posts with their authors' and groups' names and deep links.
fn items(
    conn: &mut DbConnection,
    config: &Config,
    scope: &Scope,
    posts: &[Post],
) -> Result<Vec<DigestItem>> {
    let authors = accounts::system::users_by_id(
        conn,
        &posts.iter().map(|p| p.author_id).collect::<Vec<_>>(),
    )?;
    let groups = groups::system::groups_by_id(
        conn,
        &posts.iter().filter_map(|p| p.group_id).collect::<Vec<_>>(),
    )?;
    let base = config.public_url();
    let circle = accounts::access::circle(conn, scope)?;
    let polls = crate::posts::polls::views(conn, scope, &circle, posts)?;
    Ok(posts
        .iter()
        .map(|p| {
            let (title, excerpt) = title_and_excerpt(&p.body);
            DigestItem {
                post_id: p.id,
                title,
                excerpt,
                author: authors
                    .get(&p.author_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                group: p
                    .group_id
                    .and_then(|g| groups.get(&g))
                    .map(|g| g.name.clone()),
                likes: p.like_count,
                comments: p.comments_seen_by(scope),
                link: format!("{base}/posts/{}", p.id),
                poll: polls.get(&p.id).map(|poll| poll.as_text()),
            }
        })
        .collect())
}

/// The first line of a Markdown body as a title and the rest as an excerpt, both as plain
/// words (markers of headings, emphasis and quotes taken off), shortened on a word.
fn title_and_excerpt(body: &str) -> (String, String) {
    let plain = |line: &str| {
        line.trim()
            .trim_start_matches(['#', '>', '-', '*', ' '])
            .replace(['*', '_', '`'], "")
    };
    let mut lines = body.lines().map(plain).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let rest: Vec<String> = lines.collect();
    let (title, spill) = shorten(&first, TITLE_CHARS);
    let mut excerpt = spill;
    if !rest.is_empty() {
        if !excerpt.is_empty() {
            excerpt.push(' ');
        }
        excerpt.push_str(&rest.join(" "));
    }
    (title, shorten(&excerpt, EXCERPT_CHARS).0)
}

/// `text` cut to at most `max` characters on a word boundary (with "…"), and what was cut.
fn shorten(text: &str, max: usize) -> (String, String) {
    if text.chars().count() <= max {
        return (text.to_string(), String::new());
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').filter(|&i| i > max / 2).unwrap_or(cut.len());
    let (head, _) = cut.split_at(at);
    let rest = text[head.len()..].trim_start().to_string();
    (format!("{}…", head.trim_end()), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_titles_and_the_rest_is_shortened_on_a_word() {
        let (title, excerpt) = title_and_excerpt("# Release **4.2**\n\n> notes: _faster_ search");
        assert_eq!(
            (title.as_str(), excerpt.as_str()),
            ("Release 4.2", "notes: faster search")
        );
        let long = "word ".repeat(40);
        let (title, excerpt) = title_and_excerpt(&long);
        assert!(
            title.ends_with('…') && title.chars().count() <= TITLE_CHARS + 1,
            "{title}"
        );
        assert!(excerpt.starts_with("word"), "{excerpt}");
        assert_eq!(title_and_excerpt(""), (String::new(), String::new()));
    }
}

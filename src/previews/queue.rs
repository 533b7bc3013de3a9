//! Which bodies show which previews, and which previews are due for fetching: a consumer of
//! the events log. A post or comment made or edited records its first links (at most
//! [`PER_BODY`], outside this site) and marks each URL due if it was never fetched or its
//! preview is older than `links.preview_ttl_hours`. The fetching happens outside any
//! transaction, in [`super::fetch`].

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConnection;
use crate::db::schema::{comments, link_previews, link_uses, posts};
use crate::error::Result;
use crate::events::{CommentChange, Event, PostChange, Recorded};
use crate::ids::{CommentId, PostId};
use crate::workers::{Appended, Consumer};

/// Links previewed per post or comment, at most.
pub const PER_BODY: usize = 2;

/// The consumer that keeps `link_uses` and marks previews due.
#[derive(Debug)]
pub struct PreviewQueue {
    /// How long a fetched preview is reused before it is fetched again.
    pub ttl: Duration,
}

impl Consumer for PreviewQueue {
    fn name(&self) -> &'static str {
        "link_previews"
    }

    fn apply(&self, conn: &mut DbConnection, events: &[Recorded]) -> Result<Appended> {
        let now = clock::now();
        for recorded in events {
            match &recorded.event {
                Event::PostCreated { post, .. } | Event::PostEdited(PostChange { post, .. }) => {
                    let links = posts::table
                        .find(*post)
                        .select(posts::links)
                        .first::<String>(conn)
                        .optional()?;
                    if let Some(links) = links {
                        self.record(conn, *post, None, &links, now)?;
                    }
                }
                Event::CommentCreated {
                    comment, post_id, ..
                }
                | Event::CommentEdited(CommentChange {
                    comment, post_id, ..
                }) => {
                    let links = comments::table
                        .find(*comment)
                        .select(comments::links)
                        .first::<String>(conn)
                        .optional()?;
                    if let Some(links) = links {
                        self.record(conn, *post_id, Some(*comment), &links, now)?;
                    }
                }
                _ => {}
            }
        }
        Ok(Appended(false))
    }
}

impl PreviewQueue {
    /// Makes the previews of one body those of `links` (JSON), keeping a removed one removed,
    /// and marks each due that needs fetching.
    fn record(
        &self,
        conn: &mut DbConnection,
        post_id: PostId,
        comment: Option<CommentId>,
        links: &str,
        now: NaiveDateTime,
    ) -> Result<()> {
        let comment_key = comment.map_or(0, i64::from);
        let urls = previewed(links);
        diesel::delete(
            link_uses::table
                .filter(link_uses::post_id.eq(post_id))
                .filter(link_uses::comment_id.eq(comment_key))
                .filter(link_uses::url.ne_all(urls.clone())),
        )
        .execute(conn)?;
        for (position, url) in urls.iter().enumerate() {
            let position = i32::try_from(position).unwrap_or(i32::MAX);
            let updated = diesel::update(
                link_uses::table
                    .filter(link_uses::post_id.eq(post_id))
                    .filter(link_uses::comment_id.eq(comment_key))
                    .filter(link_uses::url.eq(url)),
            )
            .set(link_uses::position.eq(position))
            .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(link_uses::table)
                    .values((
                        link_uses::post_id.eq(post_id),
                        link_uses::comment_id.eq(comment_key),
                        link_uses::url.eq(url),
                        link_uses::position.eq(position),
                    ))
                    .execute(conn)?;
            }
            mark_due(conn, url, now, self.ttl)?;
        }
        Ok(())
    }
}

/// The links of a body (JSON) that get previews: the first few leading off this site.
pub fn previewed(links: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(links)
        .unwrap_or_default()
        .into_iter()
        .filter(|link| link.starts_with("http://") || link.starts_with("https://"))
        .take(PER_BODY)
        .collect()
}

/// Makes `url`'s preview due now if it was never fetched, or fetched longer than `ttl` ago.
fn mark_due(conn: &mut DbConnection, url: &str, now: NaiveDateTime, ttl: Duration) -> Result<()> {
    let known = link_previews::table
        .find(url)
        .select((link_previews::state, link_previews::fetched_at))
        .first::<(String, Option<NaiveDateTime>)>(conn)
        .optional()?;
    match known {
        None => {
            diesel::insert_into(link_previews::table)
                .values((
                    link_previews::url.eq(url),
                    link_previews::state.eq(super::fetch::DUE),
                    link_previews::due_at.eq(Some(now)),
                ))
                .execute(conn)?;
        }
        Some((_, Some(fetched))) if fetched + ttl < now => {
            diesel::update(link_previews::table.find(url))
                .set((
                    link_previews::due_at.eq(Some(now)),
                    link_previews::attempts.eq(0),
                ))
                .execute(conn)?;
        }
        Some(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_links_off_this_site_get_previews() {
        let links = r#"["/posts/1","https://a.example/","mailto:x@y","http://b.example/x","https://c.example/"]"#;
        assert_eq!(
            super::previewed(links),
            ["https://a.example/", "http://b.example/x"]
        );
        assert!(super::previewed("not json").is_empty());
    }
}

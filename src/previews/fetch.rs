//! Fetching previews: a periodic worker takes the previews that are due, fetches each page
//! through the one safe outbound client, reads its metadata (and its oEmbed answer, when the
//! page names one), keeps a re-encoded thumbnail of its image, and tells live readers of every
//! post and comment showing it. Failures are quiet: the preview is tried again later, waiting
//! twice as long each time, and given up after [`MAX_ATTEMPTS`].

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{PageMeta, read_oembed, read_page};
use crate::clock;
use crate::db::schema::{comments, link_previews, link_uses, posts};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events::{self, CommentChange, Event, PostChange};
use crate::files::Files;
use crate::ids::{CommentId, PostId, UserId};
use crate::outbound::{HTML_LIMIT, IMAGE_LIMIT, Outbound};
use crate::workers::{Periodic, blocking};

/// A preview waiting to be fetched.
pub const DUE: &str = "due";
/// Fetched, with something to show.
pub const READY: &str = "ready";
/// Fetched, with nothing to show.
pub const EMPTY: &str = "empty";
/// Given up on.
pub const FAILED: &str = "failed";
/// Tries before a preview is given up on (until its URL is posted again after the TTL).
pub const MAX_ATTEMPTS: i32 = 5;
/// Previews fetched per run.
const PER_RUN: i64 = 8;
/// Most bytes of an oEmbed answer read.
const OEMBED_LIMIT: usize = 256 * 1024;

/// The fetcher as a periodic worker.
pub struct PreviewFetcher {
    pub db: Db,
    pub outbound: Outbound,
    pub files: Files,
}

impl Periodic for PreviewFetcher {
    fn name(&self) -> &'static str {
        "link_preview_fetcher"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(1)
    }

    async fn run(&mut self) -> Result<()> {
        fetch_due(&self.db, &self.outbound, &self.files)
            .await
            .map(|_| ())
    }
}

/// Fetches the previews due now; returns how many were tried.
pub async fn fetch_due(db: &Db, outbound: &Outbound, files: &Files) -> Result<usize> {
    let now = clock::now();
    let reader = db.clone();
    let due: Vec<(String, i32)> = blocking(move || {
        reader.read(|conn| {
            Ok(link_previews::table
                .filter(link_previews::due_at.le(now))
                .order(link_previews::due_at.asc())
                .limit(PER_RUN)
                .select((link_previews::url, link_previews::attempts))
                .load(conn)?)
        })
    })
    .await?;
    for (url, attempts) in &due {
        let outcome = preview(outbound, files, url).await;
        let (db, url, attempts) = (db.clone(), url.clone(), *attempts);
        blocking(move || db.write(|conn| record(conn, &url, attempts, outcome, clock::now())))
            .await?;
    }
    Ok(due.len())
}

/// What a page gave.
#[derive(Debug)]
struct Found {
    meta: PageMeta,
    /// Its image's thumbnail, as stored: SHA-256, width, height.
    image: Option<(String, u32, u32)>,
}

/// Fetches `url`'s page, its oEmbed answer and its image; `None`: nothing worth showing.
async fn preview(
    outbound: &Outbound,
    files: &Files,
    url: &str,
) -> std::result::Result<Option<Found>, String> {
    let page = outbound
        .get(url, "text/html,application/xhtml+xml", HTML_LIMIT)
        .await
        .map_err(|refused| refused.to_string())?;
    if !(200..300).contains(&page.status) {
        return Err(format!("answered {}", page.status));
    }
    let html = page
        .content_type
        .as_deref()
        .is_some_and(|t| t.contains("html"));
    if !html {
        return Ok(None);
    }
    let mut meta = read_page(&page.body, page.content_type.as_deref(), &page.url);
    if let Some(oembed) = meta.oembed_url.clone() {
        // Only the fields we show are read; its `html` never is.
        if let Ok(answer) = outbound
            .get(oembed.as_str(), "application/json", OEMBED_LIMIT)
            .await
            && (200..300).contains(&answer.status)
            && let Some(fields) = read_oembed(&answer.body, &answer.url)
        {
            meta = meta.with_oembed(fields);
        }
    }
    if meta.is_empty() {
        return Ok(None);
    }
    let mut image = None;
    if let Some(image_url) = &meta.image_url
        && let Ok(fetched) = outbound
            .get(image_url.as_str(), "image/*", IMAGE_LIMIT)
            .await
        && (200..300).contains(&fetched.status)
    {
        // Not an image we read, or too big to decode: the preview goes without.
        image = files
            .keep_thumbnail(fetched.body.to_vec())
            .await
            .ok()
            .flatten();
    }
    Ok(Some(Found { meta, image }))
}

/// Records what fetching `url` gave, and tells live readers of the bodies showing it.
fn record(
    conn: &mut DbConnection,
    url: &str,
    attempts: i32,
    outcome: std::result::Result<Option<Found>, String>,
    now: NaiveDateTime,
) -> Result<()> {
    let preview = link_previews::table.find(url);
    match outcome {
        Ok(Some(found)) => {
            let (sha, width, height) = match found.image {
                Some((sha, w, h)) => (Some(sha), i32::try_from(w).ok(), i32::try_from(h).ok()),
                None => (None, None, None),
            };
            diesel::update(preview)
                .set((
                    link_previews::state.eq(READY),
                    link_previews::title.eq(found.meta.title),
                    link_previews::description.eq(found.meta.description),
                    link_previews::site_name.eq(found.meta.site_name),
                    link_previews::canonical_url.eq(found.meta.canonical_url.map(String::from)),
                    link_previews::image_sha256.eq(sha),
                    link_previews::image_width.eq(width),
                    link_previews::image_height.eq(height),
                    link_previews::attempts.eq(0),
                    link_previews::due_at.eq(None::<NaiveDateTime>),
                    link_previews::fetched_at.eq(Some(now)),
                ))
                .execute(conn)?;
            tell_readers(conn, url)?;
        }
        Ok(None) => {
            diesel::update(preview)
                .set((
                    link_previews::state.eq(EMPTY),
                    link_previews::attempts.eq(0),
                    link_previews::due_at.eq(None::<NaiveDateTime>),
                    link_previews::fetched_at.eq(Some(now)),
                ))
                .execute(conn)?;
        }
        Err(reason) => {
            let attempts = attempts + 1;
            tracing::debug!(url, attempts, reason, "link preview not fetched");
            let given_up = attempts >= MAX_ATTEMPTS;
            let retry = now + chrono::Duration::minutes(1 << attempts.min(10));
            diesel::update(preview)
                .set((
                    link_previews::state.eq(if given_up { FAILED } else { DUE }),
                    link_previews::attempts.eq(attempts),
                    link_previews::due_at.eq((!given_up).then_some(retry)),
                    link_previews::fetched_at.eq(given_up.then_some(now)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Appends a `post.previewed` or `comment.previewed` event for each body showing `url`, so its
/// live readers fetch it again (as each of them may see it).
fn tell_readers(conn: &mut DbConnection, url: &str) -> Result<()> {
    let uses: Vec<(PostId, i64, Option<crate::ids::GroupId>, bool, UserId)> = link_uses::table
        .inner_join(posts::table.on(posts::id.eq(link_uses::post_id)))
        .filter(link_uses::url.eq(url))
        .filter(posts::deleted_at.is_null())
        .select((
            link_uses::post_id,
            link_uses::comment_id,
            posts::group_id,
            posts::employees_only,
            posts::author_id,
        ))
        .load(conn)?;
    for (post, comment, group_id, employees_only, author) in uses {
        let event = match comment {
            0 => Event::PostPreviewed(PostChange {
                by: author,
                post,
                group_id,
                employees_only,
            }),
            comment => {
                let comment = CommentId::from(comment);
                let staff = comments::table
                    .find(comment)
                    .select(comments::employees_only)
                    .first::<bool>(conn)
                    .optional()?;
                let Some(staff) = staff else { continue };
                Event::CommentPreviewed(CommentChange {
                    by: author,
                    comment,
                    post_id: post,
                    group_id,
                    employees_only: employees_only || staff,
                })
            }
        };
        events::append(conn, &event)?;
    }
    Ok(())
}

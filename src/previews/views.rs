//! Previews as readers get them: with the post or comment that shows them, so a preview is
//! read exactly where its body may be read. Its image is served from here
//! (`/posts/{id}/previews/{n}/image`), never from the page it came from.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::fetch::READY;
use crate::db::DbConnection;
use crate::db::one_of::one_of;
use crate::db::schema::{link_previews, link_uses};
use crate::error::Result;
use crate::ids::{CommentId, PostId};

/// A link's preview under a post or comment.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LinkPreview {
    /// The link, as in the body.
    pub url: String,
    /// Its place among the body's previews, which names it for removal.
    pub position: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub site_name: Option<String>,
    /// The page's own idea of its address, when it has one.
    pub canonical_url: Option<String>,
    /// A thumbnail of its image, served by Agora.
    pub image_url: Option<String>,
    pub image_width: Option<i32>,
    pub image_height: Option<i32>,
}

type Row = (i64, i64, String, i32, Preview);

#[derive(Queryable)]
struct Preview {
    title: Option<String>,
    description: Option<String>,
    site_name: Option<String>,
    canonical_url: Option<String>,
    image_sha256: Option<String>,
    image_width: Option<i32>,
    image_height: Option<i32>,
}

/// The previews shown on the bodies of `posts` (their own, not their comments'), in order.
/// Only posts with a link off this site are asked about.
pub fn on_posts(
    conn: &mut DbConnection,
    posts: &[(PostId, &str)],
) -> Result<HashMap<PostId, Vec<LinkPreview>>> {
    let ids: Vec<PostId> = posts
        .iter()
        .filter(|(_, links)| links.contains("\"http"))
        .map(|(id, _)| *id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query(conn, Owners::Posts(ids))?;
    Ok(collect(rows, |post, _| {
        Some((PostId::from(post), format!("/posts/{post}")))
    }))
}

/// The previews shown on `comments` (which the viewer reads), in order.
pub fn on_comments(
    conn: &mut DbConnection,
    comments: &[(CommentId, &str)],
) -> Result<HashMap<CommentId, Vec<LinkPreview>>> {
    let ids: Vec<i64> = comments
        .iter()
        .filter(|(_, links)| links.contains("\"http"))
        .map(|(id, _)| i64::from(*id))
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = query(conn, Owners::Comments(ids))?;
    Ok(collect(rows, |_, comment| {
        Some((CommentId::from(comment), format!("/comments/{comment}")))
    }))
}

/// Whose previews to read.
enum Owners {
    Posts(Vec<PostId>),
    Comments(Vec<i64>),
}

type Backend = <DbConnection as diesel::Connection>::Backend;

fn query(conn: &mut DbConnection, owners: Owners) -> Result<Vec<Row>> {
    let ready = link_uses::table
        .inner_join(link_previews::table.on(link_previews::url.eq(link_uses::url)))
        .filter(link_previews::state.eq(READY))
        .filter(link_uses::removed.eq(false))
        .into_boxed::<Backend>();
    let owned = match owners {
        Owners::Posts(ids) => ready
            .filter(one_of(link_uses::post_id, ids))
            .filter(link_uses::comment_id.eq(0)),
        Owners::Comments(ids) => ready.filter(one_of(link_uses::comment_id, ids)),
    };
    Ok(owned
        .order((
            link_uses::post_id,
            link_uses::comment_id,
            link_uses::position,
        ))
        .select((
            link_uses::post_id,
            link_uses::comment_id,
            link_uses::url,
            link_uses::position,
            (
                link_previews::title,
                link_previews::description,
                link_previews::site_name,
                link_previews::canonical_url,
                link_previews::image_sha256,
                link_previews::image_width,
                link_previews::image_height,
            ),
        ))
        .load(conn)?)
}

fn collect<K: std::hash::Hash + Eq>(
    rows: Vec<Row>,
    key: impl Fn(i64, i64) -> Option<(K, String)>,
) -> HashMap<K, Vec<LinkPreview>> {
    let mut shown: HashMap<K, Vec<LinkPreview>> = HashMap::new();
    for (post, comment, url, position, preview) in rows {
        let Some((owner, base)) = key(post, comment) else {
            continue;
        };
        shown.entry(owner).or_default().push(LinkPreview {
            url,
            position,
            title: preview.title,
            description: preview.description,
            site_name: preview.site_name,
            canonical_url: preview.canonical_url,
            image_url: preview
                .image_sha256
                .map(|_| format!("{base}/previews/{position}/image")),
            image_width: preview.image_width,
            image_height: preview.image_height,
        });
    }
    shown
}

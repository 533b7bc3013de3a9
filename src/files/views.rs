//! Files as the API and pages show them.

use std::collections::HashMap;

use serde::Serialize;

use super::model::{Attachment, Blob};
use super::queries;
use super::sniff::Kind;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::{CommentId, FileId, PostId};

/// The box a thumbnail fits in.
const THUMB: i32 = 480;

/// A file on a post or comment, or a profile photo.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub id: String,
    /// The name it was uploaded with.
    pub name: String,
    /// As sniffed from its bytes.
    pub content_type: String,
    pub size: i64,
    /// Whether it is an image shown inline (JPEG, PNG, GIF, WebP).
    pub image: bool,
    /// Of images: the size as shown, to reserve its space before it loads.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Text describing an image, for those who cannot see it.
    pub alt: String,
    /// Where to download it; access is checked on every request.
    pub url: String,
    /// Of images: a small rendition (fits 480×480) and a medium one (fits 1600×1600).
    pub thumb_url: Option<String>,
    pub medium_url: Option<String>,
}

impl FileView {
    pub(super) fn of(file: &Attachment, blob: &Blob) -> FileView {
        let url = file_url(file.id, &file.name);
        let image =
            Kind::from_content_type(&blob.content_type).is_image() && blob.rendition_type.is_some();
        FileView {
            id: file.id.to_string(),
            name: file.name.clone(),
            content_type: blob.content_type.clone(),
            size: blob.size,
            image,
            width: blob.width,
            height: blob.height,
            alt: file.alt.clone(),
            thumb_url: image.then(|| format!("{url}?size=thumb")),
            medium_url: image.then(|| format!("{url}?size=medium")),
            url,
        }
    }

    /// The thumbnail's width, as the renditions make it: the image fit in 480×480.
    pub fn thumb_width(&self) -> i32 {
        self.thumb_size().0
    }

    pub fn thumb_height(&self) -> i32 {
        self.thumb_size().1
    }

    fn thumb_size(&self) -> (i32, i32) {
        let (width, height) = (self.width.unwrap_or(THUMB), self.height.unwrap_or(THUMB));
        let longest = width.max(height).max(1);
        match longest > THUMB {
            true => (
                (width * THUMB / longest).max(1),
                (height * THUMB / longest).max(1),
            ),
            false => (width, height),
        }
    }

    /// The size for people: "12 KB", "3.4 MB".
    pub fn size_text(&self) -> String {
        let size = self.size as f64;
        match self.size {
            ..1_000 => format!("{} bytes", self.size),
            1_000..1_000_000 => format!("{:.0} KB", size / 1e3),
            _ => format!("{:.1} MB", size / 1e6),
        }
    }
}

/// Where file `id` named `name` is served: the name is there for the browser's sake only.
pub fn file_url(id: FileId, name: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/files/{id}/{}", name.replace('+', "%20"))
}

/// The files on each of `posts` (which the viewer reads), in order.
pub fn on_posts(
    conn: &mut DbConnection,
    posts: &[PostId],
) -> Result<HashMap<PostId, Vec<FileView>>> {
    Ok(by(queries::on_posts(conn, posts)?, |file| file.post_id))
}

/// The files on each of `comments` (which the viewer reads), in order.
pub fn on_comments(
    conn: &mut DbConnection,
    comments: &[CommentId],
) -> Result<HashMap<CommentId, Vec<FileView>>> {
    Ok(by(queries::on_comments(conn, comments)?, |file| {
        file.comment_id
    }))
}

/// Views of `rows`, listed by what they are on.
fn by<K: std::hash::Hash + Eq>(
    rows: Vec<(Attachment, Blob)>,
    on: impl Fn(&Attachment) -> Option<K>,
) -> HashMap<K, Vec<FileView>> {
    let mut listed: HashMap<K, Vec<FileView>> = HashMap::new();
    for (file, blob) in rows {
        if let Some(key) = on(&file) {
            listed
                .entry(key)
                .or_default()
                .push(FileView::of(&file, &blob));
        }
    }
    listed
}

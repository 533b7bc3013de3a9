//! Receiving a file: the bytes go to a temporary file in the data directory as they arrive,
//! hashed and counted on the way, so memory stays bounded whatever the size; then its type is
//! sniffed, images get their renditions with metadata stripped, the rows are written, and the
//! bytes go to storage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use super::images::{self, ImageError, Limits, Renditions};
use super::model::{Attachment, Blob};
use super::sniff::Kind;
use super::store::{Download, Form, Storage};
use super::views::FileView;
use super::{access, actions};
use crate::access::Scope;
use crate::access::Viewer;
use crate::clock;
use crate::config::{Config, FileSettings};
use crate::db::Db;
use crate::error::{Error, ErrorCode, ErrorKind, Result, invalid};
use crate::ids::{FileId, UserId};
use crate::workers::blocking;

/// Bytes sniffed: enough for every signature and to tell text from binary.
const HEAD_BYTES: usize = 8 * 1024;
/// Longest file name kept, in characters.
const MAX_NAME: usize = 200;
/// Images decoded at once: each may hold a large bitmap, so they take turns.
const IMAGES_AT_ONCE: usize = 2;

/// Files of this installation: where they are stored and the limits they keep to.
#[derive(Clone, Debug)]
pub struct Files {
    pub storage: Storage,
    pub settings: FileSettings,
    staging: PathBuf,
    decoding: Arc<Semaphore>,
}

/// A file being received.
pub struct Incoming {
    file: tokio::io::BufWriter<tokio::fs::File>,
    path: TempPath,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    max: u64,
}

/// A file received whole, not yet kept.
pub struct Received {
    path: TempPath,
    sha256: String,
    size: u64,
    kind: Kind,
}

/// A file to serve: what it is and its bytes.
pub struct Opened {
    pub view: FileView,
    /// The type of the bytes served (a rendition's own type for renditions).
    pub content_type: String,
    /// Whether browsers may show it inline: safe images only.
    pub inline: bool,
    pub download: Download,
}

impl Files {
    pub fn new(config: &Config) -> Result<Files> {
        let staging = config.data_dir.join("uploads");
        std::fs::create_dir_all(&staging).map_err(Error::internal)?;
        Ok(Files {
            storage: Storage::from_config(config)?,
            settings: config.files.clone(),
            staging,
            decoding: Arc::new(Semaphore::new(IMAGES_AT_ONCE)),
        })
    }

    /// Where files are received before they are kept.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Starts receiving a file.
    pub fn begin(&self) -> Result<Incoming> {
        let (file, path) = tempfile::NamedTempFile::new_in(&self.staging)
            .map_err(Error::internal)?
            .into_parts();
        Ok(Incoming {
            file: tokio::io::BufWriter::new(tokio::fs::File::from_std(file)),
            path,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
            max: self.settings.max_bytes,
        })
    }

    /// Refuses more files on one post or comment than allowed.
    pub fn check_count(&self, count: usize) -> Result<()> {
        match count <= self.settings.max_per_post {
            true => Ok(()),
            false => Err(invalid(
                "attachments",
                format!(
                    "at most {} files on a post or comment",
                    self.settings.max_per_post
                ),
            )),
        }
    }

    /// Keeps a received file as the upload of `viewer`, on nothing yet, named `name`.
    pub async fn keep(
        &self,
        db: &Db,
        viewer: &Viewer,
        name: &str,
        received: Received,
    ) -> Result<FileView> {
        let uploader = viewer.require_user()?.id;
        let Received {
            path,
            sha256,
            size,
            kind,
        } = received;
        let name = clean_name(name);
        let mut blob = Blob {
            sha256: sha256.clone(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
            content_type: kind.content_type().to_string(),
            width: None,
            height: None,
            rendition_type: None,
            text: None,
            touched_at: clock::now(),
        };
        // What goes to storage: the bytes as uploaded, or without their metadata.
        let mut original = None;
        let mut renditions = None;
        if kind.is_image() {
            let (stripped, made) = self.process_image(&path, kind).await?;
            blob.width = i32::try_from(made.width).ok();
            blob.height = i32::try_from(made.height).ok();
            blob.rendition_type = Some(made.thumb.content_type.to_string());
            if let Some(upright) = &made.upright {
                // Shown upright, the image is the re-encoded one.
                blob.content_type = upright.content_type.to_string();
            }
            original = Some(stripped);
            renditions = Some(made);
        } else {
            let source = path.to_path_buf();
            blob.text = blocking(move || Ok(super::text::extract(&source, kind))).await?;
        }
        let file = record(db, uploader, &blob, &name).await?;
        let stored = self
            .store(
                &sha256,
                original.as_ref().map_or(&*path, |p| &**p),
                renditions,
            )
            .await;
        if let Err(error) = stored {
            let (db, id) = (db.clone(), file.id);
            let _ = blocking(move || db.write(|conn| actions::forget_upload(conn, id))).await;
            return Err(error);
        }
        Ok(FileView::of(&file, &blob))
    }

    /// Renditions of an image and its original without metadata (or upright), taking turns
    /// with other uploads for the memory a decoded image needs.
    async fn process_image(&self, path: &Path, kind: Kind) -> Result<(TempPath, Renditions)> {
        let _turn = self.decoding.acquire().await.map_err(Error::internal)?;
        let limits = Limits {
            max_pixels: self.settings.max_pixels,
            // A decoded pixel takes at most 16 bytes (RGBA, 32-bit float): room for the
            // largest allowed image and its renditions.
            max_alloc: self.settings.max_pixels.saturating_mul(16),
        };
        let (source, staging) = (path.to_path_buf(), self.staging.clone());
        let work = move || -> Result<(TempPath, Renditions)> {
            let made = images::renditions(&source, kind, limits).map_err(image_error)?;
            let target = tempfile::NamedTempFile::new_in(&staging)
                .map_err(Error::internal)?
                .into_temp_path();
            match &made.upright {
                Some(upright) => {
                    std::fs::write(&target, &upright.bytes).map_err(Error::internal)?
                }
                None => {
                    super::strip::strip(kind, &source, &target).map_err(|_| unreadable_image())?
                }
            }
            Ok((target, made))
        };
        blocking(work).await
    }

    /// Keeps a thumbnail of an image fetched from elsewhere (a link preview's), re-encoded
    /// from its pixels so nothing of the original file is served; `None` when `bytes` are not
    /// an image we read. The thumbnail is stored under its own SHA-256, which it returns with
    /// its size.
    pub async fn keep_thumbnail(&self, bytes: Vec<u8>) -> Result<Option<(String, u32, u32)>> {
        let kind = Kind::sniff(&bytes);
        let staged = tempfile::NamedTempFile::new_in(&self.staging)
            .map_err(Error::internal)?
            .into_temp_path();
        tokio::fs::write(&staged, &bytes)
            .await
            .map_err(Error::internal)?;
        let thumb = match self.process_image(&staged, kind).await {
            Ok((_, made)) => made.thumb,
            Err(_) => return Ok(None),
        };
        let sha256 = hex::encode(Sha256::digest(&thumb.bytes));
        self.storage
            .put_bytes(&sha256, Form::Thumb, thumb.bytes)
            .await?;
        Ok(Some((sha256, thumb.width, thumb.height)))
    }

    async fn store(
        &self,
        sha256: &str,
        original: &Path,
        renditions: Option<Renditions>,
    ) -> Result<()> {
        self.storage
            .put_file(sha256, Form::Original, original)
            .await?;
        if let Some(made) = renditions {
            self.storage
                .put_bytes(sha256, Form::Thumb, made.thumb.bytes)
                .await?;
            self.storage
                .put_bytes(sha256, Form::Medium, made.medium.bytes)
                .await?;
        }
        Ok(())
    }

    /// File `id` in `form`, if the viewer may read it.
    pub async fn open(&self, db: &Db, viewer: &Viewer, id: FileId, form: Form) -> Result<Opened> {
        let (db, viewer) = (db.clone(), viewer.clone());
        let (file, blob) = blocking(move || {
            db.read(|conn| {
                let scope = Scope::resolve(conn, &viewer)?;
                access::visible_file(conn, &scope, id)
            })
        })
        .await?;
        let view = FileView::of(&file, &blob);
        let content_type = match form {
            Form::Original => blob.content_type.clone(),
            _ => match &blob.rendition_type {
                Some(rendition) => rendition.clone(),
                None => return Err(Error::not_found("file")),
            },
        };
        let download = self.storage.get(&blob.sha256, form).await?;
        Ok(Opened {
            inline: Kind::from_content_type(&content_type).is_image(),
            content_type,
            view,
            download,
        })
    }
}

impl Incoming {
    /// Takes the next bytes; refuses a file grown past the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(Error::new(
                ErrorKind::TooLarge,
                ErrorCode::FileTooLarge,
                format!("files are at most {} MB", self.max / 1_000_000),
            ));
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(Error::internal)
    }

    /// The whole file; an empty one is refused.
    pub async fn finish(mut self) -> Result<Received> {
        if self.size == 0 {
            return Err(invalid("file", "the file is empty"));
        }
        self.file.flush().await.map_err(Error::internal)?;
        self.file
            .get_ref()
            .sync_all()
            .await
            .map_err(Error::internal)?;
        Ok(Received {
            kind: Kind::sniff(&self.head),
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
            path: self.path,
        })
    }
}

async fn record(db: &Db, uploader: UserId, blob: &Blob, name: &str) -> Result<Attachment> {
    let (db, blob, name) = (db.clone(), blob.clone(), name.to_string());
    blocking(move || db.write(|conn| actions::record_upload(conn, uploader, &blob, &name))).await
}

/// The last part of a client's file name, without control characters, at most 200
/// characters; "file" when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    match name.trim() {
        "" | "." | ".." => "file".to_string(),
        name => name.to_string(),
    }
}

fn image_error(error: ImageError) -> Error {
    match error {
        ImageError::TooManyPixels { .. } => Error::new(
            ErrorKind::TooLarge,
            ErrorCode::ImageTooLarge,
            error.to_string(),
        ),
        ImageError::Unreadable(_) => unreadable_image(),
    }
}

fn unreadable_image() -> Error {
    Error::new(
        ErrorKind::Invalid,
        ErrorCode::UnreadableImage,
        "the image is damaged or not what its first bytes claim",
    )
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn a_file_name_keeps_its_last_part_without_control_characters() {
        assert_eq!(clean_name("C:\\Users\\ann\\plan.pdf"), "plan.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name("  "), "file");
        assert_eq!(clean_name(&"x".repeat(500)).len(), 200);
    }
}

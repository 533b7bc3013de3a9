//! Where file bytes live: one trait (`object_store`'s `ObjectStore`) with two backends, the
//! data directory (default) and an S3-compatible bucket, for several servers on one database.
//! Keys derive from the content's SHA-256, so a content is stored once however often it is
//! uploaded.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use crate::config::Config;
use crate::error::{Error, Result};

/// Parts a file is stored in, buffered in memory one at a time (and one more in flight), so
/// memory per upload is bounded by them, whatever the file's size. S3 wants at least 5 MiB
/// but the last; the data directory takes any.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
const LOCAL_PART_BYTES: usize = 256 * 1024;
/// Parts of one upload in flight at once.
const PARTS_IN_FLIGHT: usize = 1;

/// A stored content's forms: the original and, for images, two renditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Original,
    Thumb,
    Medium,
}

impl Form {
    fn suffix(self) -> &'static str {
        match self {
            Form::Original => "",
            Form::Thumb => ".thumb",
            Form::Medium => ".medium",
        }
    }
}

/// The file store of this installation.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    part_bytes: usize,
}

/// A stored file being read, chunk by chunk.
pub struct Download {
    pub size: u64,
    pub chunks: BoxStream<'static, Result<Bytes>>,
}

impl Storage {
    /// The bucket of `files.s3_*` when set, else `files/` in the data directory.
    pub fn from_config(config: &Config) -> Result<Storage> {
        let part_bytes = match config.files.s3() {
            Some(_) => S3_PART_BYTES,
            None => LOCAL_PART_BYTES,
        };
        let store: Arc<dyn ObjectStore> = match config.files.s3() {
            Some(s3) => {
                crate::init_tls();
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(s3.bucket)
                    .with_region(s3.region)
                    .with_access_key_id(s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key.0);
                if let Some(endpoint) = s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                Arc::new(builder.build().map_err(Error::internal)?)
            }
            None => {
                let dir = config.data_dir.join("files");
                std::fs::create_dir_all(&dir).map_err(Error::internal)?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&dir)
                        .map_err(Error::internal)?
                        .with_automatic_cleanup(true),
                )
            }
        };
        Ok(Storage { store, part_bytes })
    }

    fn key(sha256: &str, form: Form) -> Key {
        let fan = sha256.get(..2).unwrap_or("00");
        Key::from(format!("blobs/{fan}/{sha256}{}", form.suffix()))
    }

    /// Stores the file at `path` as `sha256`'s `form`, streaming it in parts.
    pub async fn put_file(&self, sha256: &str, form: Form, path: &Path) -> Result<()> {
        self.put_path(&Storage::key(sha256, form), path).await
    }

    /// Stores the file at `path` under `key`, streaming it in parts. The object appears whole
    /// or not at all (the data directory renames a finished temporary file into place).
    async fn put_path(&self, key: &Key, path: &Path) -> Result<()> {
        let mut file = tokio::fs::File::open(path).await.map_err(Error::internal)?;
        let upload = self.store.put_multipart(key).await.map_err(unavailable)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = match file.read(&mut buffer).await {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => {
                    let _ = writer.abort().await;
                    return Err(Error::internal(error));
                }
            };
            if let Err(error) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(unavailable(error));
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(unavailable)?;
        Ok(())
    }

    /// Stores `bytes` (a rendition, small) as `sha256`'s `form`.
    pub async fn put_bytes(&self, sha256: &str, form: Form, bytes: Vec<u8>) -> Result<()> {
        let key = Storage::key(sha256, form);
        self.store
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Reads `sha256`'s `form`.
    pub async fn get(&self, sha256: &str, form: Form) -> Result<Download> {
        self.get_key(&Storage::key(sha256, form)).await
    }

    async fn get_key(&self, key: &Key) -> Result<Download> {
        let found = self.store.get(key).await.map_err(|error| match error {
            object_store::Error::NotFound { .. } => Error::not_found("file"),
            error => unavailable(error),
        })?;
        let size = found.meta.size;
        let chunks = found.into_stream().map_err(unavailable).boxed();
        Ok(Download { size, chunks })
    }

    /// Where export `id`'s archive is kept: one key per export, so building it again
    /// replaces whatever an interrupted build left.
    pub fn export_key(id: crate::ids::ExportId) -> String {
        format!("exports/{id}.zip")
    }

    /// The keys every form of `sha256` would be stored under.
    pub fn content_keys(sha256: &str) -> [String; 3] {
        [Form::Original, Form::Thumb, Form::Medium]
            .map(|form| Storage::key(sha256, form).to_string())
    }

    /// Stores the file at `path` under `key` (an [`Storage::export_key`] or one of
    /// [`Storage::content_keys`]).
    pub async fn put_object(&self, key: &str, path: &Path) -> Result<()> {
        self.put_path(&Key::from(key), path).await
    }

    /// Reads the object under `key`; NotFound when nothing is stored there.
    pub async fn get_object(&self, key: &str) -> Result<Download> {
        self.get_key(&Key::from(key)).await
    }

    /// Removes the archive under `key`; one already gone is no error.
    pub async fn delete_export(&self, key: &str) -> Result<()> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// Removes every form of `sha256`; forms never stored are no error.
    pub async fn delete(&self, sha256: &str) -> Result<()> {
        for form in [Form::Original, Form::Thumb, Form::Medium] {
            match self.store.delete(&Storage::key(sha256, form)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(unavailable(error)),
            }
        }
        Ok(())
    }
}

/// The store could not be reached or refused: try again later.
fn unavailable(error: object_store::Error) -> Error {
    tracing::warn!(%error, "file storage failed");
    Error::new(
        crate::error::ErrorKind::Unavailable,
        crate::error::ErrorCode::Unavailable,
        "file storage is unavailable; try again",
    )
}

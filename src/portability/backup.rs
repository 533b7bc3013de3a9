//! `agora backup` and `agora restore`, for SQLite: a consistent copy of the database taken
//! while the server serves (`VACUUM INTO` reads one snapshot), the signing key and every stored
//! file that copy names, in a new folder; and that folder brought back into a new data
//! directory. The search index is not copied but rebuilt on restore: an index copied while the
//! indexer writes could be torn, and the rebuild reads exactly the restored rows.
//! PostgreSQL is backed up with its own tools (docs/operations.md).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::ObjectEntry;
use super::objects;
use crate::config::Config;
use crate::db::{Backend, Db, migrations};
use crate::files::store::Storage;
use crate::search::{SearchIndex, maintenance};
use crate::signing::{self, Adopted};

const FORMAT: &str = "agora-backup";
const VERSION: u32 = 1;
/// The folder's table of contents.
const MANIFEST: &str = "backup.json";
const DATABASE: &str = "agora.db";
const SECRET_KEY: &str = "secret.key";
const FILES: &str = "files";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    written_by: String,
    written_at: String,
    migrations: Vec<String>,
    objects: Vec<ObjectEntry>,
    secret_key: bool,
}

/// What a backup holds.
#[derive(Debug)]
pub struct BackedUp {
    pub objects: usize,
    /// Files the database names that the store no longer holds (swept since).
    pub missing_objects: usize,
    pub database_bytes: u64,
    pub seconds: f64,
}

/// What a restore brought back.
#[derive(Debug)]
pub struct Restored {
    pub objects: usize,
    pub key: Option<Adopted>,
    pub posts_indexed: usize,
    pub seconds: f64,
}

/// Backs up the SQLite instance of `config` into the new folder `out`.
pub fn backup(config: &Config, out: &Path) -> Result<BackedUp, String> {
    let started = Instant::now();
    let url = config.database_url();
    sqlite_path(&url)?;
    if out.exists() {
        return Err(format!(
            "{} exists: back up into a new folder",
            out.display()
        ));
    }
    // A folder an earlier backup left when it was cut short is started over.
    let partial = super::partial(out);
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| io(&partial, e))?;
    }
    std::fs::create_dir_all(partial.join(FILES)).map_err(|e| io(&partial, e))?;
    let copy = partial.join(DATABASE);
    let db = Db::connect(&url, &config.database).map_err(|e| e.detail)?;
    let text = copy
        .to_str()
        .ok_or("the backup folder's path is not UTF-8")?;
    db.conn()
        .map_err(|e| e.detail)?
        .batch_execute(&format!("VACUUM INTO '{}'", text.replace('\'', "''")))
        .map_err(|e| format!("cannot copy the database: {e}"))?;
    drop(db);

    // The copy names the files to keep with it.
    let snapshot =
        Db::connect(&format!("sqlite://{text}"), &config.database).map_err(|e| e.detail)?;
    let (keys, migrations) = snapshot
        .read(|conn| {
            let keys = objects::named(conn).map_err(crate::error::Error::internal)?;
            let applied =
                super::catalog::applied_migrations(conn).map_err(crate::error::Error::internal)?;
            Ok((keys, applied))
        })
        .map_err(|e| e.detail)?;
    drop(snapshot);
    let storage =
        Storage::from_config(config).map_err(|e| format!("file storage: {}", e.detail))?;
    let runtime = runtime()?;
    let mut entries = Vec::new();
    let mut missing_objects = 0;
    for key in keys {
        match copy_out(&runtime, &storage, &key, &partial.join(FILES).join(&key))? {
            Some(entry) => entries.push(entry),
            None => missing_objects += 1,
        }
    }
    let key_file = config.data_dir.join(SECRET_KEY);
    let secret_key = config.auth.secret.is_none() && key_file.exists();
    if secret_key {
        std::fs::copy(&key_file, partial.join(SECRET_KEY)).map_err(|e| io(&key_file, e))?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        written_by: env!("CARGO_PKG_VERSION").into(),
        written_at: chrono::Utc::now().to_rfc3339(),
        migrations,
        objects: entries,
        secret_key,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let mut file = File::create(partial.join(MANIFEST)).map_err(|e| io(&partial, e))?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| io(&partial, e))?;
    let database_bytes = std::fs::metadata(&copy).map_err(|e| io(&copy, e))?.len();
    std::fs::rename(&partial, out).map_err(|e| io(out, e))?;
    Ok(BackedUp {
        objects: manifest.objects.len(),
        missing_objects,
        database_bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Brings the backup in `from` back as the SQLite instance of `config`, whose database file
/// must not exist yet.
pub fn restore(config: &Config, from: &Path) -> Result<Restored, String> {
    let started = Instant::now();
    let url = config.database_url();
    let target = sqlite_path(&url)?;
    let text = std::fs::read(from.join(MANIFEST)).map_err(|_| {
        format!(
            "{} is not an Agora backup (it has no {MANIFEST})",
            from.display()
        )
    })?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| format!("{MANIFEST} is damaged: {e}"))?;
    if manifest.format != FORMAT {
        return Err(format!("{} is not an Agora backup", from.display()));
    }
    if manifest.version > VERSION {
        return Err(format!(
            "the backup is in format version {}, written by Agora {}; this Agora reads up to \
             version {VERSION}: restore it with that release or a newer one",
            manifest.version, manifest.written_by
        ));
    }
    migrations::refuse_newer(
        Backend::Sqlite,
        &manifest.migrations,
        "the backup's database",
    )?;
    if target.exists() {
        return Err(format!(
            "{} exists: restore into a new data directory, or move the database away first",
            target.display()
        ));
    }
    // Every file is checked before anything is written.
    for entry in &manifest.objects {
        check_file(&from.join(FILES).join(&entry.key), entry)?;
    }
    let storage =
        Storage::from_config(config).map_err(|e| format!("file storage: {}", e.detail))?;
    let runtime = runtime()?;
    for entry in &manifest.objects {
        runtime
            .block_on(storage.put_object(&entry.key, &from.join(FILES).join(&entry.key)))
            .map_err(|e| format!("file storage, writing {}: {}", entry.key, e.detail))?;
    }
    let key = match manifest.secret_key {
        true if config.auth.secret.is_some() => Some(Adopted::Kept),
        true => {
            let secret = std::fs::read_to_string(from.join(SECRET_KEY))
                .map_err(|e| io(&from.join(SECRET_KEY), e))?;
            Some(
                signing::adopt_key(&config.data_dir, &secret)
                    .map_err(|e| io(&config.data_dir, e))?,
            )
        }
        false => None,
    };
    // The database last, and whole: a restore cut short leaves no database behind.
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let partial = super::partial(&target);
    std::fs::copy(from.join(DATABASE), &partial).map_err(|e| io(&from.join(DATABASE), e))?;
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, &target).map_err(|e| io(&target, e))?;

    let db = Db::connect(&url, &config.database).map_err(|e| e.detail)?;
    db.read(migrations::run_pending).map_err(|e| e.detail)?;
    let search = SearchIndex::open(&config.data_dir).map_err(|e| e.detail)?;
    let rebuilt = maintenance::reindex(&db, &search, config.search.reindex_threads)
        .map_err(|e| format!("restored, but the search index failed: {}", e.detail))?;
    Ok(Restored {
        objects: manifest.objects.len(),
        key,
        posts_indexed: rebuilt.posts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The database file of a SQLite URL; PostgreSQL is refused with where to look instead.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    match Backend::of_url(url)? {
        Backend::Sqlite => Ok(PathBuf::from(url.trim_start_matches("sqlite://"))),
        Backend::Postgres => Err(
            "on PostgreSQL, back up the database with pg_dump or continuous archiving, and the \
             data directory beside it (docs/operations.md); agora backup is for SQLite"
                .into(),
        ),
    }
}

/// Writes the object under `key` to `path`; `None` when the store holds nothing there.
fn copy_out(
    runtime: &tokio::runtime::Runtime,
    storage: &Storage,
    key: &str,
    path: &Path,
) -> Result<Option<ObjectEntry>, String> {
    let copied = objects::copy_into(runtime, storage, key, || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        File::create(path).map_err(|e| io(path, e))
    })?;
    let Some((entry, file)) = copied else {
        return Ok(None);
    };
    file.sync_all().map_err(|e| io(path, e))?;
    Ok(Some(entry))
}

fn check_file(path: &Path, entry: &ObjectEntry) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    if bytes.len() as u64 != entry.size || hex::encode(Sha256::digest(&bytes)) != entry.sha256 {
        return Err(format!(
            "{} is damaged: it does not match {MANIFEST}",
            path.display()
        ));
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the file copier: {e}"))
}

fn io(path: &Path, error: std::io::Error) -> String {
    format!("{}: {error}", path.display())
}

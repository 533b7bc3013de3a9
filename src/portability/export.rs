//! `agora export`: the whole network in one ZIP, read in one snapshot of the database while
//! the server keeps serving. The archive is written beside its destination and renamed into
//! place when whole, so a crash leaves no archive that looks finished; running again starts
//! over.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::catalog::{self, Table, quoted};
use super::manifest::{self, Manifest, ObjectEntry, TableEntry};
use super::{Backend, objects, values};
use crate::audit::{self, AuditAction, Entry, Origin};
use crate::config::Config;
use crate::db::{Db, DbConnection};
use crate::files::store::Storage;

/// Rows read per query, in primary-key order.
const PAGE_ROWS: usize = 10_000;

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub tables: usize,
    pub rows: u64,
    pub objects: usize,
    /// Files the database names that the store no longer holds (swept since).
    pub missing_objects: usize,
    pub bytes: u64,
    pub seconds: f64,
}

type Archive = ZipWriter<BufWriter<File>>;

/// Writes the network of `config` to `out`; `say` hears of each table as it is done.
pub fn export(config: &Config, out: &Path, say: &mut dyn FnMut(&str)) -> Result<Exported, String> {
    let started = Instant::now();
    let url = config.database_url();
    let db = Db::connect(&url, &config.database).map_err(|e| e.detail)?;
    let storage =
        Storage::from_config(config).map_err(|e| format!("file storage: {}", e.detail))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the file reader: {e}"))?;
    let partial = super::partial(out);
    let file =
        File::create(&partial).map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let mut conn = db.conn().map_err(|e| e.detail)?;
    let mut missing_objects = 0;
    let mut manifest = in_snapshot(&mut conn, |conn| {
        let migrations = catalog::applied_migrations(conn)?;
        let mut tables = Vec::new();
        for table in catalog::tables(conn)? {
            let entry = write_table(conn, table, &mut zip)?;
            say(&format!("{}: {} rows", entry.table.name, entry.rows));
            tables.push(entry);
        }
        let mut objects = Vec::new();
        for key in objects::named(conn)? {
            match write_object(&runtime, &storage, &key, &mut zip)? {
                Some(entry) => objects.push(entry),
                None => missing_objects += 1,
            }
        }
        say(&format!("files: {}", objects.len()));
        Ok(Manifest {
            format: manifest::FORMAT.into(),
            version: manifest::VERSION,
            written_by: env!("CARGO_PKG_VERSION").into(),
            written_at: chrono::Utc::now().to_rfc3339(),
            source_backend: backend_name(db.backend()).into(),
            migrations,
            tables,
            objects,
            secret_key: false,
        })
    })?;
    // The signing key keeps sessions, feed links and emailed links working after a move.
    // One set in the configuration instead stays there.
    let key_file = config.data_dir.join("secret.key");
    if config.auth.secret.is_none() && key_file.exists() {
        let key = std::fs::read(&key_file)
            .map_err(|e| format!("cannot read {}: {e}", key_file.display()))?;
        start(
            &mut zip,
            manifest::SECRET_KEY_PATH,
            CompressionMethod::Stored,
        )?;
        zip.write_all(&key).map_err(write_error)?;
        manifest.secret_key = true;
    }
    start(&mut zip, manifest::PATH, CompressionMethod::Deflated)?;
    serde_json::to_writer_pretty(&mut zip, &manifest).map_err(write_error)?;
    let file = zip
        .finish()
        .map_err(write_error)?
        .into_inner()
        .map_err(|e| write_error(e.error()))?;
    file.sync_all().map_err(write_error)?;
    let bytes = file.metadata().map_err(write_error)?.len();
    std::fs::rename(&partial, out)
        .map_err(|e| format!("cannot rename to {}: {e}", out.display()))?;
    let exported = Exported {
        tables: manifest.tables.len(),
        rows: manifest.tables.iter().map(|t| t.rows).sum(),
        objects: manifest.objects.len(),
        missing_objects,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    };
    let entry = Entry::new(AuditAction::NetworkExported, None).detail(json!({
        "tables": exported.tables,
        "rows": exported.rows,
        "files": exported.objects,
        "bytes": exported.bytes,
    }));
    db.write(|conn| audit::record(conn, &Origin::default(), entry))
        .map_err(|e| {
            format!(
                "the archive is written, but not the audit entry: {}",
                e.detail
            )
        })?;
    Ok(exported)
}

pub(super) fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Runs `work` in one read-only transaction that sees a single moment of the database: a
/// WAL read transaction on SQLite, REPEATABLE READ on PostgreSQL.
fn in_snapshot<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, String>,
) -> Result<T, String> {
    let begin = match conn {
        DbConnection::Sqlite(_) => "BEGIN DEFERRED",
        DbConnection::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    };
    conn.batch_execute(begin)
        .map_err(|e| format!("cannot begin reading: {e}"))?;
    let result = work(conn);
    let end = conn.batch_execute(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
    let value = result?;
    end.map_err(|e| format!("cannot end reading: {e}"))?;
    Ok(value)
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Writes `table` at `tables/<name>.jsonl`, a page of rows at a time in key order.
fn write_table(
    conn: &mut DbConnection,
    table: Table,
    zip: &mut Archive,
) -> Result<TableEntry, String> {
    start(
        zip,
        &TableEntry::path(&table.name),
        CompressionMethod::Deflated,
    )?;
    let mut hasher = Sha256::new();
    let mut rows = 0;
    let mut after: Option<Vec<String>> = None;
    loop {
        let sql = page_sql(conn, &table, after.as_deref());
        let lines = diesel::sql_query(sql)
            .load::<Line>(conn)
            .map_err(|e| format!("cannot read {}: {e}", table.name))?;
        for line in &lines {
            let row: values::Row = serde_json::from_str(&line.line)
                .map_err(|e| format!("a row of {} did not read back: {e}", table.name))?;
            after = Some(key_literals(&table, &row)?);
            let mut text =
                serde_json::to_string(&values::to_archive(&table, row)?).map_err(write_error)?;
            text.push('\n');
            hasher.update(text.as_bytes());
            zip.write_all(text.as_bytes()).map_err(write_error)?;
            rows += 1;
        }
        if lines.len() < PAGE_ROWS {
            break;
        }
    }
    Ok(TableEntry {
        table,
        rows,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// The query for the page of `table` after the row whose key is `after`, each row as one
/// JSON object in the backend's own spelling.
fn page_sql(conn: &DbConnection, table: &Table, after: Option<&[String]>) -> String {
    let key: Vec<String> = table.key.iter().map(|c| quoted(c)).collect();
    let key = key.join(", ");
    let row = match conn {
        DbConnection::Sqlite(_) => {
            let pairs: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("'{}', {}", c.name.replace('\'', "''"), quoted(&c.name)))
                .collect();
            format!("json_object({})", pairs.join(", "))
        }
        DbConnection::Postgres(_) => "row_to_json(r)::text".to_string(),
    };
    let filter = match after {
        Some(values) => format!("WHERE ({key}) > ({})", values.join(", ")),
        None => String::new(),
    };
    format!(
        "SELECT {row} AS line FROM {} r {filter} ORDER BY {key} LIMIT {PAGE_ROWS}",
        quoted(&table.name)
    )
}

/// The key of `row` as SQL literals, as the backend spelled the values.
fn key_literals(table: &Table, row: &values::Row) -> Result<Vec<String>, String> {
    table
        .key
        .iter()
        .map(|column| match row.get(column) {
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::String(s)) => Ok(format!("'{}'", s.replace('\'', "''"))),
            other => Err(format!(
                "a row of {} has {other:?} in its key column {column}",
                table.name
            )),
        })
        .collect()
}

/// Copies the object under `key` to `objects/<key>`; `None` when the store holds nothing
/// there.
fn write_object(
    runtime: &tokio::runtime::Runtime,
    storage: &Storage,
    key: &str,
    zip: &mut Archive,
) -> Result<Option<ObjectEntry>, String> {
    let copied = objects::copy_into(runtime, storage, key, || {
        // Images and PDFs are compressed already.
        start(zip, &ObjectEntry::path(key), CompressionMethod::Stored)?;
        Ok(&mut *zip)
    })?;
    Ok(copied.map(|(entry, _)| entry))
}

fn start(zip: &mut Archive, name: &str, method: CompressionMethod) -> Result<(), String> {
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true);
    zip.start_file(name, options).map_err(write_error)
}

fn write_error(error: impl std::fmt::Display) -> String {
    format!("cannot write the archive: {error}")
}

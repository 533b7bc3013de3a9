//! `agora import`: loads a network archive into an empty database of either backend. The
//! whole archive is checked against its manifest before anything is written, then every row
//! goes in one transaction, so a damaged, truncated or foreign archive leaves the target as
//! it was. The search index is rebuilt from the imported rows at the end.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::json;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::catalog::{self, Table, quoted};
use super::manifest::{self, Manifest, ObjectEntry, TableEntry};
use super::{Backend, values};
use crate::audit::{self, AuditAction, Entry, Origin};
use crate::config::Config;
use crate::db::{Db, DbConnection, migrations};
use crate::files::store::Storage;
use crate::search::{SearchIndex, maintenance};
use crate::signing::{self, Adopted};

/// Rows sent to the database per statement, at most.
const BATCH_ROWS: usize = 1_000;
/// Bytes of rows sent per statement, at most.
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub tables: usize,
    pub rows: u64,
    pub objects: usize,
    /// What became of the archive's signing key, when it carried one.
    pub key: Option<Adopted>,
    pub posts_indexed: usize,
    pub seconds: f64,
}

type Archive = ZipArchive<File>;

/// Loads the archive at `path` into the (empty) database of `config`.
pub fn import(config: &Config, path: &Path, say: &mut dyn FnMut(&str)) -> Result<Imported, String> {
    let started = Instant::now();
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut zip = ZipArchive::new(file).map_err(|e| {
        format!(
            "{} is not a whole ZIP archive (damaged or truncated?): {e}",
            path.display()
        )
    })?;
    let manifest = read_manifest(&mut zip)?;
    for entry in &manifest.tables {
        read_rows(&mut zip, entry, |_| Ok(()))?;
    }
    for entry in &manifest.objects {
        read_object(&mut zip, entry, &mut std::io::sink())?;
    }
    say("archive checked: every entry matches its manifest");

    let db = Db::connect(&config.database_url(), &config.database).map_err(|e| e.detail)?;
    let storage =
        Storage::from_config(config).map_err(|e| format!("file storage: {}", e.detail))?;
    let mut conn = db.conn().map_err(|e| e.detail)?;
    migrate_to(&mut conn, db.backend(), &manifest.migrations)?;
    let tables = matching_tables(&mut conn, &manifest)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the file writer: {e}"))?;
    let tables = catalog::parents_first(&mut conn, tables)?;
    in_transaction(&mut conn, |conn| {
        let foreign_keys = ForeignKeys::suspend(conn)?;
        for table in &tables {
            let entry = manifest
                .tables
                .iter()
                .find(|e| e.table.name == table.name)
                .ok_or_else(|| format!("the manifest lost {}", table.name))?;
            load_table(conn, &mut zip, entry, table)?;
            say(&format!("{}: {} rows", table.name, entry.rows));
        }
        foreign_keys.restore(conn)?;
        // The files go in before the rows commit: a failure here leaves only unreferenced
        // content, which a second import overwrites.
        for entry in &manifest.objects {
            let mut temp = tempfile::NamedTempFile::new()
                .map_err(|e| format!("cannot make a temporary file: {e}"))?;
            read_object(&mut zip, entry, temp.as_file_mut())?;
            runtime
                .block_on(storage.put_object(&entry.key, temp.path()))
                .map_err(|e| format!("file storage, writing {}: {}", entry.key, e.detail))?;
        }
        say(&format!("files: {}", manifest.objects.len()));
        Ok(())
    })?;
    // An archive from an earlier version is brought up to this one's schema.
    migrations::run_pending(&mut conn).map_err(|e| e.detail)?;
    crate::db::write_transaction(&mut conn, crate::events::sequencer::adopt_inbox)
        .map_err(|e| e.detail)?;
    // Fresh statistics, or the planner guesses at tables it has never seen filled; on
    // PostgreSQL the vacuum also marks the new rows visible to all, once, up front.
    let statistics = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM (ANALYZE)",
    };
    conn.batch_execute(statistics)
        .map_err(|e| format!("cannot gather statistics: {e}"))?;
    say("statistics gathered");
    let entry = Entry::new(AuditAction::NetworkImported, None).detail(json!({
        "source_backend": manifest.source_backend,
        "written_by": manifest.written_by,
        "written_at": manifest.written_at,
        "rows": manifest.tables.iter().map(|t| t.rows).sum::<u64>(),
        "files": manifest.objects.len(),
    }));
    audit::record(&mut conn, &Origin::default(), entry).map_err(|e| e.detail)?;
    // The rebuild gets sessions of its own: on PostgreSQL, the session that loaded the rows
    // took minutes over a first scan that a new session makes in half a second.
    drop(conn);
    drop(db);
    let db = Db::connect(&config.database_url(), &config.database).map_err(|e| e.detail)?;

    let key = match manifest.secret_key {
        true => Some(adopt_key(config, &mut zip)?),
        false => None,
    };
    let search = SearchIndex::open(&config.data_dir).map_err(|e| e.detail)?;
    let rebuilt = maintenance::reindex(&db, &search, config.search.reindex_threads)
        .map_err(|e| format!("the rows are in, but the search index failed: {}", e.detail))?;
    Ok(Imported {
        tables: tables.len(),
        rows: manifest.tables.iter().map(|t| t.rows).sum(),
        objects: manifest.objects.len(),
        key,
        posts_indexed: rebuilt.posts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn read_manifest(zip: &mut Archive) -> Result<Manifest, String> {
    let not_ours = "this is not an Agora network archive (it has no manifest.json)";
    let mut text = String::new();
    zip.by_name(manifest::PATH)
        .map_err(|_| not_ours.to_string())?
        .read_to_string(&mut text)
        .map_err(|e| format!("the manifest is damaged: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the manifest is damaged: {e}"))?;
    if value["format"] != manifest::FORMAT {
        return Err(not_ours.into());
    }
    match value["version"].as_u64() {
        Some(v) if v > u64::from(manifest::VERSION) => {
            return Err(format!(
                "the archive is in format version {v}, written by Agora {}; this Agora reads \
                 up to version {}: import it with that release or a newer one",
                value["written_by"].as_str().unwrap_or("(unknown)"),
                manifest::VERSION
            ));
        }
        _ => {}
    }
    serde_json::from_value(value).map_err(|e| format!("the manifest is damaged: {e}"))
}

/// Calls `take` with each line of `entry`'s table, then checks the count and checksum.
fn read_rows(
    zip: &mut Archive,
    entry: &TableEntry,
    mut take: impl FnMut(&str) -> Result<(), String>,
) -> Result<(), String> {
    let path = TableEntry::path(&entry.table.name);
    let file = zip
        .by_name(&path)
        .map_err(|e| format!("the archive lacks {path}: {e}"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut hasher = Sha256::new();
    let mut rows = 0;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("{path} is damaged: {e}")),
        }
        hasher.update(line.as_bytes());
        rows += 1;
        take(line.trim_end_matches('\n'))?;
    }
    if rows != entry.rows || hex::encode(hasher.finalize()) != entry.sha256 {
        return Err(format!(
            "{path} is damaged: it does not match the manifest ({rows} rows read, {} listed)",
            entry.rows
        ));
    }
    Ok(())
}

/// Copies `entry`'s bytes into `out`, checking size and checksum.
fn read_object(
    zip: &mut Archive,
    entry: &ObjectEntry,
    out: &mut impl std::io::Write,
) -> Result<(), String> {
    let path = ObjectEntry::path(&entry.key);
    let mut file = zip
        .by_name(&path)
        .map_err(|e| format!("the archive lacks {path}: {e}"))?;
    let mut hasher = Sha256::new();
    let mut size = 0;
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| format!("{path} is damaged: {e}"))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
        out.write_all(&buffer[..read])
            .map_err(|e| format!("cannot copy {path}: {e}"))?;
    }
    if size != entry.size || hex::encode(hasher.finalize()) != entry.sha256 {
        return Err(format!("{path} is damaged: it does not match the manifest"));
    }
    Ok(())
}

/// Brings a new database to the archive's schema, or checks that it has it already.
fn migrate_to(
    conn: &mut DbConnection,
    backend: Backend,
    archived: &[String],
) -> Result<(), String> {
    migrations::refuse_newer(backend, archived, "the archive's database")?;
    let Some(last) = archived.last() else {
        return Err("the archive lists no migrations".into());
    };
    migrations::run_pending_until(conn, last).map_err(|e| e.detail)?;
    let applied = catalog::applied_migrations(conn)?;
    if applied != archived {
        return Err(format!(
            "this database's schema is not the archive's ({} migrations applied here, {} in \
             the archive): import into a new, empty database",
            applied.len(),
            archived.len()
        ));
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The target's tables in the manifest's order, when they are the archive's and all empty.
fn matching_tables(conn: &mut DbConnection, manifest: &Manifest) -> Result<Vec<Table>, String> {
    let mut here = catalog::tables(conn)?;
    let archived: BTreeSet<&str> = manifest
        .tables
        .iter()
        .map(|t| t.table.name.as_str())
        .collect();
    let present: BTreeSet<&str> = here.iter().map(|t| t.name.as_str()).collect();
    if archived != present {
        let missing: Vec<_> = present.difference(&archived).collect();
        let extra: Vec<_> = archived.difference(&present).collect();
        return Err(format!(
            "the archive's tables are not this schema's (missing from it: {missing:?}; unknown \
             here: {extra:?})"
        ));
    }
    let mut ordered = Vec::new();
    for entry in &manifest.tables {
        let at = here
            .iter()
            .position(|t| t.name == entry.table.name)
            .ok_or_else(|| format!("table {} vanished", entry.table.name))?;
        let table = here.swap_remove(at);
        let names = |t: &Table| {
            t.columns
                .iter()
                .map(|c| c.name.clone())
                .collect::<BTreeSet<_>>()
        };
        if names(&table) != names(&entry.table) {
            return Err(format!(
                "the archive's table {} has other columns than this schema's",
                table.name
            ));
        }
        let rows = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {} LIMIT 1) r",
            quoted(&table.name)
        ))
        .get_result::<Count>(conn)
        .map_err(|e| format!("cannot read {}: {e}", table.name))?;
        if rows.n > 0 {
            return Err(format!(
                "this database is not empty (table {} has rows): import into a new, empty \
                 database",
                table.name
            ));
        }
        ordered.push(table);
    }
    Ok(ordered)
}

/// Runs `work` in one write transaction; any error rolls everything back.
fn in_transaction(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<(), String>,
) -> Result<(), String> {
    let begin = match conn {
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConnection::Postgres(_) => "BEGIN",
    };
    conn.batch_execute(begin)
        .map_err(|e| format!("cannot begin writing: {e}"))?;
    let result = work(conn).and_then(|()| {
        conn.batch_execute("COMMIT")
            .map_err(|e| format!("cannot commit: {e}"))
    });
    if result.is_err() {
        // Nothing to undo when the commit itself ended the transaction.
        let _ = conn.batch_execute("ROLLBACK");
    }
    result
}

/// Foreign keys set aside while tables load in any order: deferred to the end on SQLite,
/// dropped and made again (which checks every row) on PostgreSQL, all inside the transaction.
struct ForeignKeys(Vec<Constraint>);

#[derive(QueryableByName)]
struct Constraint {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

impl ForeignKeys {
    fn suspend(conn: &mut DbConnection) -> Result<ForeignKeys, String> {
        let failed = |e: diesel::result::Error| format!("cannot set foreign keys aside: {e}");
        match conn {
            DbConnection::Sqlite(_) => {
                conn.batch_execute("PRAGMA defer_foreign_keys = ON")
                    .map_err(failed)?;
                Ok(ForeignKeys(Vec::new()))
            }
            DbConnection::Postgres(_) => {
                let constraints = diesel::sql_query(
                    "SELECT conrelid::regclass::text AS table_name, conname::text AS name, \
                            pg_get_constraintdef(oid) AS definition \
                     FROM pg_constraint \
                     WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
                )
                .load::<Constraint>(conn)
                .map_err(failed)?;
                for c in &constraints {
                    conn.batch_execute(&format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        c.table_name,
                        quoted(&c.name)
                    ))
                    .map_err(failed)?;
                }
                Ok(ForeignKeys(constraints))
            }
        }
    }

    /// Puts the keys back; a row that breaks one is an error naming it.
    fn restore(self, conn: &mut DbConnection) -> Result<(), String> {
        match conn {
            DbConnection::Sqlite(_) => {
                let broken =
                    diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
                        .get_result::<Count>(conn)
                        .map_err(|e| format!("cannot check foreign keys: {e}"))?;
                match broken.n {
                    0 => Ok(()),
                    n => Err(format!("{n} rows of the archive refer to rows it lacks")),
                }
            }
            DbConnection::Postgres(_) => {
                for c in &self.0 {
                    conn.batch_execute(&format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} {}",
                        c.table_name,
                        quoted(&c.name),
                        c.definition
                    ))
                    .map_err(|e| {
                        format!(
                            "rows of {} refer to rows the archive lacks: {e}",
                            c.table_name
                        )
                    })?;
                }
                Ok(())
            }
        }
    }
}

/// Inserts `entry`'s rows into `table`, a batch at a time.
fn load_table(
    conn: &mut DbConnection,
    zip: &mut Archive,
    entry: &TableEntry,
    table: &Table,
) -> Result<(), String> {
    let backend = match conn {
        DbConnection::Sqlite(_) => Backend::Sqlite,
        DbConnection::Postgres(_) => Backend::Postgres,
    };
    let sql = insert_sql(backend, table);
    let mut batch = Batch::default();
    read_rows(zip, entry, |line| {
        let row: values::Row = serde_json::from_str(line)
            .map_err(|e| format!("a row of {} is not JSON: {e}", table.name))?;
        let row = values::from_archive(table, backend, row)?;
        batch.push(&serde_json::Value::Object(row));
        match batch.full() {
            true => batch.flush(conn, &sql, &table.name),
            false => Ok(()),
        }
    })?;
    batch.flush(conn, &sql, &table.name)
}

/// The statement inserting a JSON array of rows into `table`.
fn insert_sql(backend: Backend, table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let columns = columns.join(", ");
    let name = quoted(&table.name);
    match backend {
        Backend::Postgres => format!(
            "INSERT INTO {name} ({columns}) SELECT {columns} \
             FROM json_populate_recordset(NULL::{name}, $1::json)"
        ),
        Backend::Sqlite => {
            let values: Vec<String> = table
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "json_extract(value, '$.\"{}\"')",
                        c.name.replace('\'', "''")
                    )
                })
                .collect();
            format!(
                "INSERT INTO {name} ({columns}) SELECT {} FROM json_each(?)",
                values.join(", ")
            )
        }
    }
}

/// Rows gathered into one JSON array for one statement.
#[derive(Default)]
struct Batch {
    json: String,
    rows: usize,
}

impl Batch {
    fn push(&mut self, row: &serde_json::Value) {
        self.json.push(if self.rows == 0 { '[' } else { ',' });
        self.json.push_str(&row.to_string());
        self.rows += 1;
    }

    fn full(&self) -> bool {
        self.rows >= BATCH_ROWS || self.json.len() >= BATCH_BYTES
    }

    fn flush(&mut self, conn: &mut DbConnection, sql: &str, table: &str) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        self.json.push(']');
        let query = diesel::sql_query(sql).bind::<Text, _>(&self.json);
        let inserted = match conn {
            DbConnection::Postgres(inner) => query.execute(inner),
            DbConnection::Sqlite(inner) => query.execute(inner),
        }
        .map_err(|e| format!("cannot load {table}: {e}"))?;
        if inserted != self.rows {
            return Err(format!("{table}: {inserted} of {} rows went in", self.rows));
        }
        self.json.clear();
        self.rows = 0;
        Ok(())
    }
}

/// Makes the archive's signing key this instance's, unless it has one of its own.
fn adopt_key(config: &Config, zip: &mut Archive) -> Result<Adopted, String> {
    if config.auth.secret.is_some() {
        return Ok(Adopted::Kept);
    }
    let mut secret = String::new();
    zip.by_name(manifest::SECRET_KEY_PATH)
        .and_then(|mut f| Ok(f.read_to_string(&mut secret)?))
        .map_err(|e| format!("the archive's key is unreadable: {e}"))?;
    signing::adopt_key(&config.data_dir, &secret)
        .map_err(|e| format!("cannot install the signing key: {e}"))
}

//! Migrations on both backends, and the schema they make.

use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};

use crate::on_both_backends;
use crate::support::{Backend, TestDb};

/// Every table of `src/db/schema.rs` with its columns, read from the file itself, so a table
/// added there is checked without anyone listing it here.
fn schema_tables() -> Vec<(String, Vec<String>)> {
    let schema = include_str!("../../src/db/schema.rs");
    let mut tables = Vec::new();
    let mut lines = schema.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with(") {")) else {
            continue;
        };
        let columns = lines
            .by_ref()
            .take_while(|l| *l != "}")
            .filter_map(|l| l.split_once(" -> ").map(|(column, _)| column.to_string()))
            .collect();
        tables.push((name.to_string(), columns));
    }
    tables
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn migrations_make_every_table_and_column_of_the_schema_and_no_other(backend: Backend) {
    let test_db = TestDb::new(backend);
    let db = test_db.open();
    let again = db.read(agora::db::migrations::run_pending).unwrap();
    assert!(again.is_empty(), "a second run applies nothing");
    let tables = schema_tables();
    assert!(
        tables.len() >= 20 && tables.iter().all(|(_, c)| c.len() >= 2),
        "schema.rs read: {tables:?}"
    );
    let mut conn = db.conn().unwrap();
    for (table, columns) in &tables {
        // Fails if the migrations lack the table or any of its columns.
        let query = format!("SELECT {} FROM {table} LIMIT 0", columns.join(", "));
        diesel::sql_query(&query)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{query}: {e}"));
    }
    let listing = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let mut made: Vec<String> = diesel::sql_query(listing)
        .load::<TableName>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    made.retain(|name| name != "__diesel_schema_migrations");
    made.sort();
    let mut known: Vec<String> = tables.into_iter().map(|(name, _)| name).collect();
    known.sort();
    assert_eq!(
        made, known,
        "the migrations make exactly the tables of schema.rs"
    );
}

on_both_backends!(migrations_make_every_table_and_column_of_the_schema_and_no_other);

#[test]
fn every_migration_exists_for_both_backends() {
    let list = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    let sqlite = list("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, list("postgres"));
}

#[test]
fn a_typo_in_the_database_url_is_refused_not_turned_into_a_new_file() {
    assert!(agora::db::Backend::of_url("sqlite:/tmp/x.db").is_err());
    assert!(agora::db::Backend::of_url("postgress://localhost/agora").is_err());
    assert_eq!(
        agora::db::Backend::of_url("postgresql://h/d"),
        Ok(agora::db::Backend::Postgres)
    );
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    jit: String,
}

/// JIT compiling turned a 0.7 s aggregate of the search rebuild into minutes: every pooled
/// PostgreSQL session runs without it.
#[actix_web::test]
async fn postgresql_sessions_run_without_jit() {
    if !crate::support::postgres_configured() {
        return;
    }
    let test_db = TestDb::new(Backend::Postgres);
    let db = test_db.open();
    for _ in 0..3 {
        let setting: Setting = db
            .read(|conn| Ok(diesel::sql_query("SHOW jit").get_result(conn)?))
            .unwrap();
        assert_eq!(setting.jit, "off");
    }
}

#[derive(QueryableByName)]
struct CompileOption {
    #[diesel(sql_type = Text)]
    compile_options: String,
}

/// The bundled SQLite is built as `.cargo/config.toml` says: without `STAT4` (statements
/// compiled twice), with the planner's stability guarantee (no statement compiled again for
/// the values bound to it) and without memory statistics (a lock on every allocation).
#[actix_web::test]
async fn sqlite_is_built_for_kept_statements_and_lock_free_allocation() {
    let test_db = TestDb::new(Backend::Sqlite);
    let db = test_db.open();
    let options: Vec<String> = db
        .read(|conn| {
            Ok(diesel::sql_query("PRAGMA compile_options")
                .load::<CompileOption>(conn)?
                .into_iter()
                .map(|o| o.compile_options)
                .collect())
        })
        .unwrap();
    assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "{options:?}");
    assert!(!options.iter().any(|o| o == "ENABLE_STAT4"), "{options:?}");
    assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
}

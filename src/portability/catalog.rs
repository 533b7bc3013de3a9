//! The tables of a database as its own catalog describes them, so that an archive carries
//! every table the migrations made, with no list here to keep in step with them.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;

/// The bookkeeping table of applied migrations: recorded in the manifest, never copied.
pub const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// What a column holds, in the few types the schema uses on both backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Integer,
    Bool,
    Timestamp,
    Text,
}

impl Kind {
    /// The kind of a column declared as `declared` (SQLite's declared type, PostgreSQL's
    /// `data_type`).
    fn of_declared(declared: &str) -> Option<Kind> {
        let declared = declared.to_ascii_lowercase();
        if declared.contains("int") {
            Some(Kind::Integer)
        } else if declared.starts_with("bool") {
            Some(Kind::Bool)
        } else if declared.starts_with("timestamp") {
            Some(Kind::Timestamp)
        } else if declared == "text" || declared.contains("char") {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
}

/// A table: its columns in catalog order and its primary key, which orders its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub key: Vec<String>,
}

/// A table's columns and, by position, its key's, as the catalog lists them.
type Found = (Vec<Column>, Vec<(i32, String)>);

#[derive(QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Integer)]
    key_position: i32,
}

const SQLITE_CATALOG: &str = "\
    SELECT m.name AS table_name, p.name AS column_name, p.type AS declared, \
           p.\"notnull\" <> 0 AS not_null, p.pk AS key_position \
    FROM sqlite_master m, pragma_table_info(m.name) p \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
      AND m.name <> '__diesel_schema_migrations' \
    ORDER BY m.name, p.cid";

const POSTGRES_CATALOG: &str = "\
    SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
           c.data_type::text AS declared, c.is_nullable = 'NO' AS not_null, \
           COALESCE(k.ordinal_position, 0)::integer AS key_position \
    FROM information_schema.columns c \
    JOIN information_schema.tables t \
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
     AND t.table_type = 'BASE TABLE' \
    LEFT JOIN (SELECT u.table_name, u.column_name, u.ordinal_position \
               FROM information_schema.table_constraints tc \
               JOIN information_schema.key_column_usage u \
                 ON u.constraint_name = tc.constraint_name AND u.table_schema = tc.table_schema \
               WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()) k \
      ON k.table_name = c.table_name AND k.column_name = c.column_name \
    WHERE c.table_schema = current_schema() AND c.table_name <> '__diesel_schema_migrations' \
    ORDER BY c.table_name, c.ordinal_position";

/// Every table of the database but the migrations' own, sorted by name. A column of a type
/// archives cannot carry, or a table without a primary key, is an error naming it.
pub fn tables(conn: &mut DbConnection) -> Result<Vec<Table>, String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => SQLITE_CATALOG,
        DbConnection::Postgres(_) => POSTGRES_CATALOG,
    };
    let rows = diesel::sql_query(sql)
        .load::<CatalogRow>(conn)
        .map_err(|e| format!("cannot read the database's catalog: {e}"))?;
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for row in rows {
        let kind = Kind::of_declared(&row.declared).ok_or_else(|| {
            format!(
                "column {}.{} has type {}, which archives do not carry",
                row.table_name, row.column_name, row.declared
            )
        })?;
        let (columns, key) = found.entry(row.table_name).or_default();
        if row.key_position > 0 {
            key.push((row.key_position, row.column_name.clone()));
        }
        columns.push(Column {
            name: row.column_name,
            kind,
            nullable: !row.not_null,
        });
    }
    found
        .into_iter()
        .map(|(name, (columns, mut key))| {
            if key.is_empty() {
                return Err(format!("table {name} has no primary key"));
            }
            key.sort();
            let key = key.into_iter().map(|(_, column)| column).collect();
            Ok(Table { name, columns, key })
        })
        .collect()
}

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = Text)]
    child: String,
    /// The child's column that refers (the first, for a key of several).
    #[diesel(sql_type = Text)]
    column: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

/// `tables` with every table after the tables its foreign keys refer to, where cycles allow.
/// SQLite checks a deferred foreign key again for each parent row inserted while its child
/// rows wait, by scanning the children; loading parents first leaves nothing waiting. A cycle
/// (a post's best answer is a comment on it) is broken at a column that may be null.
pub fn parents_first(conn: &mut DbConnection, tables: Vec<Table>) -> Result<Vec<Table>, String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS child, f.\"from\" AS \"column\", f.\"table\" AS parent \
             FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        }
        DbConnection::Postgres(_) => {
            "SELECT c.conrelid::regclass::text AS child, a.attname::text AS \"column\", \
                    c.confrelid::regclass::text AS parent \
             FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
        }
    };
    let references = diesel::sql_query(sql)
        .load::<Reference>(conn)
        .map_err(|e| format!("cannot read the foreign keys: {e}"))?;
    let mut waiting = tables;
    let mut ordered: Vec<Table> = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        // Ready when every parent is placed; failing that, every parent a non-null column
        // names.
        let ready = |strict: bool| {
            waiting.iter().position(|table| {
                references.iter().all(|r| {
                    r.child != table.name
                        || r.parent == table.name
                        || ordered.iter().any(|t| t.name == r.parent)
                        || (!strict
                            && table
                                .columns
                                .iter()
                                .any(|c| c.name == r.column && c.nullable))
                })
            })
        };
        let next = ready(true).or_else(|| ready(false)).unwrap_or(0);
        ordered.push(waiting.remove(next));
    }
    Ok(ordered)
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The versions of the migrations applied to this database, oldest first.
pub fn applied_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let versions = diesel::sql_query(format!(
        "SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"
    ))
    .load::<Version>(conn)
    .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    Ok(versions.into_iter().map(|v| v.version).collect())
}

/// `name` quoted as an SQL identifier (names come from the catalog, but quoting costs nothing).
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

//! Values in the archive's one spelling, whichever backend wrote them: integers as JSON
//! numbers, booleans as `true`/`false`, timestamps as ISO 8601 UTC to the microsecond (what
//! PostgreSQL keeps), text as strings; `null` only in nullable columns.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::catalog::{Kind, Table};
use crate::db::Backend;

/// One row, column name to value.
pub type Row = Map<String, Value>;

/// The archive's spelling of a timestamp.
const ARCHIVE_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";
/// How diesel writes a timestamp into SQLite; its text order is time order, which queries
/// that compare timestamps there rely on.
const SQLITE_TIME: &str = "%Y-%m-%d %H:%M:%S%.f";

/// `row`, as the source backend spelled it, in the archive's spelling.
pub fn to_archive(table: &Table, mut row: Row) -> Result<Row, String> {
    let mut out = Row::new();
    for column in &table.columns {
        let value = row.remove(&column.name).unwrap_or(Value::Null);
        let value = match (column.kind, value) {
            (_, Value::Null) => Value::Null,
            (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
            (Kind::Timestamp, Value::String(s)) => {
                Value::String(parse_time(&s)?.format(ARCHIVE_TIME).to_string())
            }
            (_, value) => value,
        };
        out.insert(
            column.name.clone(),
            checked(table, &column.name, column, value)?,
        );
    }
    Ok(out)
}

/// `row` from the archive, checked against `table` and spelled for `backend`'s bulk insert.
pub fn from_archive(table: &Table, backend: Backend, mut row: Row) -> Result<Row, String> {
    let mut out = Row::new();
    for column in &table.columns {
        let value = row.remove(&column.name).unwrap_or(Value::Null);
        let value = checked(table, &column.name, column, value)?;
        let value = match (column.kind, value, backend) {
            (Kind::Timestamp, Value::String(s), Backend::Sqlite) => {
                Value::String(parse_time(&s)?.format(SQLITE_TIME).to_string())
            }
            (_, value, _) => value,
        };
        out.insert(column.name.clone(), value);
    }
    if let Some(extra) = row.keys().next() {
        return Err(format!(
            "a row of {} has an unknown column {extra}",
            table.name
        ));
    }
    Ok(out)
}

/// `value` if it is what `column` holds in the archive's spelling.
fn checked(
    table: &Table,
    name: &str,
    column: &super::catalog::Column,
    value: Value,
) -> Result<Value, String> {
    let fits = match (&value, column.kind) {
        (Value::Null, _) => column.nullable,
        (Value::Number(n), Kind::Integer) => n.is_i64(),
        (Value::Bool(_), Kind::Bool) => true,
        (Value::String(s), Kind::Timestamp) => parse_time(s).is_ok(),
        (Value::String(_), Kind::Text) => true,
        _ => false,
    };
    match fits {
        true => Ok(value),
        false => Err(format!(
            "a row of {} holds {value} in column {name}, which takes {:?}{}",
            table.name,
            column.kind,
            if column.nullable { " or null" } else { "" }
        )),
    }
}

fn parse_time(text: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, SQLITE_TIME))
        .map_err(|_| format!("{text:?} is not a timestamp"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::portability::catalog::Column;

    fn table() -> Table {
        let column = |name: &str, kind, nullable| Column {
            name: name.into(),
            kind,
            nullable,
        };
        Table {
            name: "t".into(),
            columns: vec![
                column("id", Kind::Integer, false),
                column("on", Kind::Bool, false),
                column("at", Kind::Timestamp, true),
                column("note", Kind::Text, false),
            ],
            key: vec!["id".into()],
        }
    }

    fn row(value: serde_json::Value) -> Row {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn both_backends_spellings_meet_in_one() {
        let sqlite = row(json!({"id": 9_007_199_254_740_993_i64, "on": 1,
            "at": "2026-12-06 02:33:44.123456789", "note": "x"}));
        let postgres = row(json!({"id": 9_007_199_254_740_993_i64, "on": true,
            "at": "2026-12-06T02:33:44.123456", "note": "x"}));
        let from_sqlite = to_archive(&table(), sqlite);
        assert_eq!(from_sqlite, to_archive(&table(), postgres));
        assert_eq!(
            from_sqlite.as_ref().map(|r| r["at"].clone()),
            Ok(json!("2026-12-06T02:33:44.123456"))
        );
    }

    #[test]
    fn sqlite_gets_diesels_spelling_of_time() {
        let archived = row(
            json!({"id": 1, "on": false, "at": "2026-12-06T02:33:44.100000",
            "note": ""}),
        );
        let spelled = from_archive(&table(), Backend::Sqlite, archived);
        assert_eq!(
            spelled.map(|r| r["at"].clone()),
            Ok(json!("2026-12-06 02:33:44.100"))
        );
    }

    #[test]
    fn wrong_values_are_named() {
        let cases = [
            json!({"id": "1", "on": true, "at": null, "note": ""}),
            json!({"id": 1, "on": true, "at": null, "note": null}),
            json!({"id": 1, "on": true, "at": "yesterday", "note": ""}),
            json!({"id": 1, "on": true, "at": null, "note": "", "extra": 1}),
        ];
        for case in cases {
            let refused = from_archive(&table(), Backend::Postgres, row(case.clone()));
            assert!(refused.is_err(), "{case} was taken");
        }
    }
}

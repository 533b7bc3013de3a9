//! Statements written out whole in the code, prepared once per connection and kept.
//!
//! diesel keeps no `UPDATE` and no `sql_query` prepared (their text may vary from one call to
//! the next), so PostgreSQL parses and plans them on every execution. For the one-row updates
//! of a hot write path (a like's count, a comment's counts) that planning cost about as much
//! as the work. A [`Kept`] statement's text is fixed in the code, so diesel may prepare it once
//! per connection, keyed by that text, and PostgreSQL keeps its plan.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Timestamp};

/// A parameter of a kept statement.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    BigInt(i64),
    Timestamp(NaiveDateTime),
}

/// A statement with a fixed text, its parameters written `?` in order (so a `?` may appear
/// nowhere else in it); run with `execute`.
#[derive(Debug, Clone)]
pub struct Kept {
    text: &'static str,
    params: Vec<Param>,
}

/// `text` with `params` in place of its `?`s, one each.
pub fn kept(text: &'static str, params: Vec<Param>) -> Kept {
    debug_assert_eq!(text.matches('?').count(), params.len(), "{text}");
    Kept { text, params }
}

// Cached by its text, which the code fixes: a bounded set of statements.
impl QueryId for Kept {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for Kept
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Timestamp>,
    i64: ToSql<BigInt, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut pieces = self.text.split('?');
        out.push_sql(pieces.next().unwrap_or_default());
        for (param, piece) in self.params.iter().zip(pieces) {
            match param {
                Param::BigInt(value) => out.push_bind_param::<BigInt, _>(value)?,
                Param::Timestamp(value) => out.push_bind_param::<Timestamp, _>(value)?,
            }
            out.push_sql(piece);
        }
        Ok(())
    }
}

impl<Conn> diesel::RunQueryDsl<Conn> for Kept {}

#[cfg(test)]
mod tests {
    use super::{Param, kept};

    #[test]
    fn each_question_mark_is_a_bound_parameter_in_order() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let statement = kept(
            "UPDATE posts SET like_count = like_count + ?, activity_at = ? WHERE id = ?",
            vec![Param::BigInt(-1), Param::Timestamp(at), Param::BigInt(7)],
        );
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&statement).to_string();
        assert!(
            sql.starts_with(
                "UPDATE posts SET like_count = like_count + $1, activity_at = $2 WHERE id = $3 --"
            ),
            "{sql}"
        );
        assert!(
            sql.ends_with("binds: [-1, 1970-01-01T00:00:00, 7]"),
            "{sql}"
        );
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&statement).to_string();
        assert!(
            sql.contains("like_count + ?, activity_at = ? WHERE id = ? --"),
            "{sql}"
        );
    }
}

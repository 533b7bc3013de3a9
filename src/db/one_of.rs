//! `column IN (ids)` written so that each backend may keep the statement prepared.
//!
//! diesel writes `eq_any` as `= ANY($1)` on PostgreSQL, one bound array whatever the length,
//! but as `IN (?, ?, …)` on SQLite, one parameter per id: a new text for every length, which
//! diesel does not keep and SQLite compiles afresh at every call. On the home feed's reads
//! (a page's posts, their counts, what the reader has seen) that compiling was 8 % of the CPU
//! at full size, profiled. [`one_of`] binds the ids on SQLite as one JSON array,
//! `IN (SELECT value FROM json_each(?))`, so the text stays fixed; PostgreSQL's form is
//! unchanged.

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

use super::DbConnection;

type MultiBackend = <DbConnection as diesel::Connection>::Backend;

/// `column` is one of `ids`.
#[derive(Debug, Clone)]
pub struct OneOf<C> {
    column: C,
    ids: Vec<i64>,
    /// `ids` as SQLite binds them.
    json: String,
}

/// `column IN ids`, in a text that does not depend on how many `ids` there are.
pub fn one_of<C, I>(column: C, ids: impl IntoIterator<Item = I>) -> OneOf<C>
where
    I: Into<i64>,
{
    let ids: Vec<i64> = ids.into_iter().map(Into::into).collect();
    let json = serde_json::to_string(&ids).unwrap_or_default();
    OneOf { column, ids, json }
}

impl<C> Expression for OneOf<C>
where
    C: Expression<SqlType = BigInt>,
{
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for OneOf<C>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, QS> SelectableExpression<QS> for OneOf<C>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<C, GB> ValidGrouping<GB> for OneOf<C>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId> QueryId for OneOf<C> {
    type QueryId = OneOf<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C> QueryFragment<MultiBackend> for OneOf<C>
where
    C: QueryFragment<Pg> + QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use super::one_of;
    use crate::db::schema::posts;

    /// Whether diesel may keep `query` prepared on SQLite.
    fn kept_on_sqlite<Q: QueryFragment<Sqlite>>(query: &Q) -> bool {
        query.is_safe_to_cache_prepared(&Sqlite).unwrap()
    }

    /// The statement's text on SQLite, without its binds.
    fn sqlite_text<Q: QueryFragment<Sqlite>>(query: &Q) -> String {
        let sql = diesel::debug_query::<Sqlite, _>(query).to_string();
        sql.split(" -- ").next().unwrap_or_default().to_string()
    }

    #[test]
    fn the_text_is_the_same_whatever_the_number_of_ids_so_it_is_kept() {
        let of = |n: i64| {
            posts::table
                .filter(one_of(posts::id, 1..=n))
                .select(posts::id)
        };
        assert_eq!(sqlite_text(&of(1)), sqlite_text(&of(50)));
        assert!(
            sqlite_text(&of(3)).ends_with("IN (SELECT value FROM json_each(?))"),
            "{}",
            sqlite_text(&of(3))
        );
        assert!(kept_on_sqlite(&of(50)));
        // What it replaces: diesel's `eq_any` writes a parameter per id and is not kept.
        let eq_any = posts::table
            .filter(posts::id.eq_any(vec![1i64, 2]))
            .select(posts::id);
        assert!(!kept_on_sqlite(&eq_any));
    }

    #[test]
    fn sqlite_binds_one_json_array_and_postgresql_one_array() {
        let query = posts::table
            .filter(one_of(posts::id, [7i64, 8]))
            .select(posts::id);
        let sqlite = diesel::debug_query::<Sqlite, _>(&query).to_string();
        assert!(sqlite.ends_with("binds: [\"[7,8]\"]"), "{sqlite}");
        let postgres = diesel::debug_query::<Pg, _>(&query).to_string();
        assert!(
            postgres.contains("\"posts\".\"id\" = ANY($1)")
                && postgres.ends_with("binds: [[7, 8]]"),
            "{postgres}"
        );
    }
}

//! A `LIMIT` written into a statement's text instead of bound.
//!
//! PostgreSQL plans a prepared statement for its parameters ("custom") until a plan for any
//! parameters ("generic") costs about as much, then keeps the generic one. A bound `LIMIT $n`
//! makes the generic plan look as if it read a tenth of the table, so a page's statement was
//! planned on every execution, which cost more than running it. With the limit in the text the
//! generic plan is costed for the page it reads. Page sizes are few, so are the texts:
//! diesel prepares one statement per text.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// `query LIMIT limit`, the limit in the text; `query` must have no limit of its own.
#[derive(Debug, Clone)]
pub struct LiteralLimit<Q> {
    query: Q,
    limit: u32,
}

/// `query` limited to `limit` rows (negative: none), the limit in the statement's text.
pub fn literal_limit<Q>(query: Q, limit: i64) -> LiteralLimit<Q> {
    LiteralLimit {
        query,
        limit: u32::try_from(limit.max(0)).unwrap_or(u32::MAX),
    }
}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

// The text varies with the limit, so the statement is cached by its text, not by its type.
impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for LiteralLimit<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(&format!(" LIMIT {}", self.limit));
        Ok(())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for LiteralLimit<Q> {}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::literal_limit;
    use crate::db::schema::posts;

    #[test]
    fn the_limit_is_in_the_text_and_not_bound() {
        let page = posts::table
            .filter(posts::author_id.eq(7))
            .order(posts::id.desc())
            .select(posts::id);
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&literal_limit(page, 21)).to_string();
        assert!(
            sql.contains("ORDER BY \"posts\".\"id\" DESC LIMIT 21 --"),
            "{sql}"
        );
        assert!(
            sql.ends_with("binds: [7]"),
            "only the author is bound: {sql}"
        );
        let none = literal_limit(posts::table.select(posts::id), -1);
        let sql = diesel::debug_query::<diesel::pg::Pg, _>(&none).to_string();
        assert!(sql.contains("LIMIT 0 --"), "{sql}");
    }
}

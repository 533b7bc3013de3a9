//! Statements planned at every execution: the reads of tables that start empty and grow, the
//! events log and the outbox.
//!
//! PostgreSQL gives a prepared statement a generic plan after five executions, costed with
//! the table's statistics of that moment, and keeps it until the table is analyzed again. A
//! plan made while the log was empty (a new database, or one analyzed before its first write)
//! scans and sorts the whole table, and with autovacuum off, or until its next pass, nothing
//! replaces it: the log's tail read took 0.81 ms and its head 0.99 ms per execution at 22,000
//! events, where a plan made for the table as it is takes under 0.1 ms. diesel sends a
//! statement it may not keep as an unnamed one, which PostgreSQL plans for its parameters and
//! the table's size at that moment, in the same round trip.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// `query`, planned at every execution.
#[derive(Debug, Clone)]
pub struct Replanned<Q>(Q);

/// `query`, never prepared to be kept.
pub fn replanned<Q>(query: Q) -> Replanned<Q> {
    Replanned(query)
}

impl<Q: Query> Query for Replanned<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for Replanned<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Replanned<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        self.0.walk_ast(out)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Replanned<Q> {}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;
    use diesel::query_builder::QueryFragment;

    use super::replanned;
    use crate::db::schema::events;

    /// Whether diesel may keep `query` prepared on PostgreSQL.
    fn kept<Q: QueryFragment<Pg>>(query: &Q) -> bool {
        query.is_safe_to_cache_prepared(&Pg).unwrap()
    }

    #[test]
    fn a_replanned_statement_is_never_kept_and_reads_the_same() {
        let tail = events::table
            .filter(events::id.gt(7))
            .order(events::id.asc())
            .select(events::id);
        assert!(kept(&tail), "the bare statement would be kept");
        let planned = replanned(tail);
        assert!(!kept(&planned));
        assert_eq!(
            diesel::debug_query::<Pg, _>(&planned).to_string(),
            diesel::debug_query::<Pg, _>(&tail).to_string()
        );
    }
}

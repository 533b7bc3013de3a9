//! The few statements that differ between the backends, side by side.

use diesel::RunQueryDsl;

use super::DbConnection;

/// Runs one diesel expression against whichever inner connection `conn` holds: for statements
/// `MultiConnection` cannot express, such as upserts (`ON CONFLICT`), which both backends speak.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($inner) => $body,
            $crate::db::DbConnection::Sqlite($inner) => $body,
        }
    };
}

/// PostgreSQL's transaction-level advisory locks that serialise one kind of work.
#[derive(Clone, Copy, Debug)]
enum Turn {
    /// Giving events their ids (`events::sequencer`). The key releases before 2026-12-06
    /// held while appending to the log directly, so during a rolling upgrade their writers
    /// and this release's sequencers still take turns.
    Sequencer,
    /// Changes that must not interleave across accounts: the first admin, deleting admins.
    Accounts,
}

impl Turn {
    fn key(self) -> i64 {
        match self {
            Turn::Sequencer => 0x6167_6f72_615f_6576, // "agora_ev"
            Turn::Accounts => 0x6167_6f72_615f_6163,  // "agora_ac"
        }
    }
}

/// Waits for `turn` until the current transaction ends. SQLite needs nothing: `BEGIN
/// IMMEDIATE` already holds the only write lock.
fn take_turn(conn: &mut DbConnection, turn: Turn) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgres(inner) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", turn.key()))
                .execute(inner)?;
        }
        DbConnection::Sqlite(_) => {}
    }
    Ok(())
}

/// Makes event sequencers take turns until the current transaction ends.
pub fn lock_sequencer(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    take_turn(conn, Turn::Sequencer)
}

/// Serialises account changes that check other accounts first (is there an admin yet; does
/// another admin remain) until the current transaction ends.
pub fn lock_accounts(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    take_turn(conn, Turn::Accounts)
}

/// Makes processes running the same events consumer take turns until the current transaction
/// ends, so that two of them never apply one batch twice. SQLite needs nothing: `BEGIN
/// IMMEDIATE` already holds the only write lock.
pub fn lock_consumer(conn: &mut DbConnection, consumer: &str) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgres(inner) => {
            // The name's FNV-1a hash, in its own key space beside the single-key turns above.
            let key = consumer
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
                });
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock(1, {})", key as i32))
                .execute(inner)?;
        }
        DbConnection::Sqlite(_) => {}
    }
    Ok(())
}

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

/// Key of the PostgreSQL advisory lock that serialises appends to the events log.
const EVENT_LOG_LOCK: i64 = 0x6167_6f72_615f_6576; // "agora_ev"

/// Serialises event-log appends until the current transaction ends, so that event ids become
/// visible in id order: a consumer that has read up to id N can never later find a smaller id
/// committed by a slow transaction. SQLite needs nothing: `BEGIN IMMEDIATE` already holds the
/// only write lock.
pub fn lock_event_log(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgres(inner) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({EVENT_LOG_LOCK})"))
                .execute(inner)?;
        }
        DbConnection::Sqlite(_) => {}
    }
    Ok(())
}

/// Makes processes running the same events consumer take turns until the current transaction
/// ends, so that two of them never apply one batch twice. SQLite needs nothing: `BEGIN
/// IMMEDIATE` already holds the only write lock.
pub fn lock_consumer(conn: &mut DbConnection, consumer: &str) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgres(inner) => {
            // The name's FNV-1a hash, in its own key space beside the event-log lock.
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

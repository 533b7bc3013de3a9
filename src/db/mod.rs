//! Database access for both backends: the connection enum, the pool, transactions that wake
//! the events log after commit, embedded migrations and app-generated ids.

mod dialect;
pub mod ids;
pub mod kept;
pub mod literal_limit;
pub mod migrations;
pub mod node_lease;
pub mod one_of;
pub mod replanned;
pub mod schema;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{CustomizeConnection, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::config::DatabaseSettings;
use crate::error::{Error, ErrorCode, ErrorKind};
use crate::events::Wakeup;

pub use dialect::{lock_accounts, lock_consumer, lock_sequencer};
pub use ids::{IdGenerator, new_id};

// Tag uses are grouped by place and tag (trending, recommendations), and by the posts'
// authors' department too.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    schema::users::department,
    schema::post_tags::group_id,
    schema::tags::name,
);

/// One connection to whichever backend the URL names. SQLite is last, as diesel expects.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend a database URL names; anything else is refused so that a typo never silently
/// creates an empty SQLite file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Reads the scheme of `url`: `sqlite://PATH` or `postgres://…` (also `postgresql://`).
    pub fn of_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(format!(
                "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://…",
                redact_url(url)
            ))
        }
    }
}

/// `text` for use inside a LIKE pattern with `ESCAPE '\'`: its `%`, `_` and `\` match only
/// themselves.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Opens the pool's connections on the one backend the URL names, so that a refused
/// connection says why: diesel's `MultiConnection` would try each backend in turn and keep only
/// "invalid connection url", losing libpq's reason (a bad certificate, a wrong password).
///
/// It also remembers whether the last connection it tried to open opened (`reachable`).
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    target: String,
    reachable: Arc<AtomicBool>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let opened = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConnection::Postgres),
            Backend::Sqlite => SqliteConnection::establish(&self.target).map(DbConnection::Sqlite),
        };
        self.reachable.store(opened.is_ok(), Ordering::Relaxed);
        opened.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        let alive = conn.ping();
        if alive.is_err() {
            // A pooled connection died with the server, most likely: until a new one opens,
            // callers wait only briefly.
            self.reachable.store(false, Ordering::Relaxed);
        }
        alive.map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// A connection checked out of the pool.
pub type PooledConn = PooledConnection<Manager>;

/// Per-connection settings applied when the pool opens a connection.
#[derive(Debug)]
struct SessionSettings {
    synchronous: &'static str,
    busy_timeout_ms: u64,
    mmap_bytes: u64,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let settings = match conn {
            // No JIT: it pays tens of milliseconds of compiling on any query the planner thinks
            // large, and on a spilling hash aggregate (`SELECT DISTINCT tag_id, group_id FROM
            // post_tags`, 1.5 million rows) it ran over a minute where the same query without
            // it takes 0.7 s.
            DbConnection::Postgres(_) => "SET jit = off".to_string(),
            // The busy timeout first: on a new file, the pool's connections all switch it to WAL
            // at once, and without the timeout all but one would fail with "database is locked".
            DbConnection::Sqlite(_) => format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA mmap_size = {};",
                self.busy_timeout_ms, self.synchronous, self.mmap_bytes
            ),
        };
        conn.batch_execute(&settings)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// How long a caller waits for a connection while the database is unreachable.
const UNREACHABLE_WAIT: Duration = Duration::from_millis(250);

/// The shared handle to the database: a pool plus the wake-up for event-log consumers.
#[derive(Clone, Debug)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// Whether the database answered the last attempt to open a connection. While it does
    /// not, a caller waits at most [`UNREACHABLE_WAIT`] for one instead of the pool timeout,
    /// so requests during an outage fail fast with 503 instead of queueing for seconds; the
    /// pool keeps trying, and the first connection that opens ends the outage.
    reachable: Arc<AtomicBool>,
    wakeup: Arc<Wakeup>,
    /// SQLite has one writer at a time; queueing writers here, in order, spares them SQLite's
    /// busy handler, which sleeps in growing steps and so makes the slowest writes very slow.
    sqlite_writer: Arc<Mutex<()>>,
}

impl Db {
    /// Opens the pool for `url`, creating the SQLite file's folder when needed.
    pub fn connect(url: &str, config: &DatabaseSettings) -> Result<Db, Error> {
        let backend = Backend::of_url(url).map_err(Error::internal)?;
        let target = match backend {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                if let Some(dir) = std::path::Path::new(path).parent() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::internal(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                path.to_string()
            }
            Backend::Postgres => url.to_string(),
        };
        let reachable = Arc::new(AtomicBool::new(true));
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size)
            .connection_timeout(Duration::from_secs(config.pool_timeout_secs))
            .connection_customizer(Box::new(SessionSettings {
                synchronous: config.sqlite_synchronous.as_str(),
                busy_timeout_ms: config.busy_timeout_ms,
                mmap_bytes: config.sqlite_mmap_mb * 1024 * 1024,
            }))
            .build(Manager {
                backend,
                target,
                reachable: reachable.clone(),
            })
            // Said in full: this runs at start, where the reason (a refused certificate, a
            // wrong password) is what the operator needs, and never answers a request.
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unavailable,
                    ErrorCode::Unavailable,
                    format!("cannot open {}: {e}", redact_url(url)),
                )
            })?;
        Ok(Db {
            pool,
            backend,
            reachable,
            wakeup: Arc::new(Wakeup::default()),
            sqlite_writer: Arc::default(),
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The wake-up that event-log consumers wait on.
    pub fn wakeup(&self) -> &Arc<Wakeup> {
        &self.wakeup
    }

    /// A connection from the pool; a pool timeout is `Unavailable`.
    pub fn conn(&self) -> Result<PooledConn, Error> {
        let got = if self.reachable.load(Ordering::Relaxed) {
            self.pool.get()
        } else {
            self.pool.get_timeout(UNREACHABLE_WAIT)
        };
        got.map_err(|e| Error::unavailable(format!("database pool: {e}")))
    }

    /// Runs `work` in one write transaction and wakes event-log consumers after it commits.
    pub fn write<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.write_then_read(work, |_, written| Ok(written))
    }

    /// Runs `work` as `write` does, then `read` on the same connection once it committed and
    /// the writer's turn is given up: a change answered with what it changed takes one
    /// connection from the pool, not two.
    pub fn write_then_read<T, U>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
        read: impl FnOnce(&mut DbConnection, T) -> Result<U, Error>,
    ) -> Result<U, Error> {
        let turn = self.sqlite_turn();
        let mut conn = self.conn()?;
        let written = write_transaction(&mut conn, work)?;
        drop(turn);
        self.wakeup.committed(self.backend == Backend::Sqlite);
        read(&mut conn, written)
    }

    /// Runs `work` in one write transaction without waking consumers: for the consumers' own
    /// bookkeeping, which must not wake them again.
    pub fn write_quietly<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _turn = self.sqlite_turn();
        let mut conn = self.conn()?;
        write_transaction(&mut conn, work)
    }

    /// On SQLite, the one writer's turn: writers queue here rather than on the file's lock.
    fn sqlite_turn(&self) -> Option<MutexGuard<'_, ()>> {
        (self.backend == Backend::Sqlite).then(|| {
            self.sqlite_writer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        })
    }

    /// Runs `work` on a connection without a write transaction: for reads.
    pub fn read<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut conn = self.conn()?;
        work(&mut conn)
    }
}

/// Runs `work` in a transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so a transaction
/// that reads before it writes never fails to upgrade its lock under concurrent writers.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    match work(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

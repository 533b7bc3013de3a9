//! Migrations for each backend, embedded in the binary and applied at start or by
//! `agora migrate`.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Backend, DbConnection};
use crate::error::Error;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration; returns the versions applied. Refuses a database that a
/// newer release migrated: this binary would read and write a schema it does not know.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, Error> {
    one_at_a_time(conn, |conn| {
        let backend = match conn {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgres(_) => Backend::Postgres,
        };
        refuse_newer(backend, &applied(conn)?, "this database")
            .map_err(|refusal| Error::conflict(crate::error::ErrorCode::DatabaseTooNew, refusal))?;
        let applied = match conn {
            DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE),
            DbConnection::Postgres(inner) => inner.run_pending_migrations(POSTGRES),
        }
        .map_err(|e| Error::internal(format!("migration failed: {e}")))?;
        Ok(applied.into_iter().map(|v| v.to_string()).collect())
    })
}

/// Key of the PostgreSQL advisory lock that migrating processes take turns on.
const MIGRATION_LOCK: i64 = 0x6167_6f72_615f_6d67; // "agora_mg"

/// Runs `work` holding the migration lock on PostgreSQL, so that several processes started
/// at once on one database migrate one after another (the later ones find nothing to do).
/// SQLite's write lock already does this.
fn one_at_a_time<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    let DbConnection::Postgres(inner) = conn else {
        return work(conn);
    };
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(inner)?;
    let done = work(conn);
    if let DbConnection::Postgres(inner) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(inner)?;
    }
    done
}

/// The versions of the migrations applied to the database, in digits only.
fn applied(conn: &mut DbConnection) -> Result<Vec<String>, Error> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.applied_migrations(),
        DbConnection::Postgres(inner) => inner.applied_migrations(),
    }
    .map_err(|e| Error::internal(format!("cannot read the applied migrations: {e}")))?;
    Ok(applied
        .iter()
        .map(|v| v.to_string().chars().filter(char::is_ascii_digit).collect())
        .collect())
}

/// Refuses `versions` (applied migrations, digits only) of `what` (a database, an archive, a
/// backup) when this binary lacks one of them: a newer release applied it.
pub fn refuse_newer(backend: Backend, versions: &[String], what: &str) -> Result<(), String> {
    let known = known_versions(backend).map_err(|e| e.detail)?;
    match versions.iter().find(|v| !known.contains(v)) {
        Some(unknown) => Err(format!(
            "{what} was migrated by a newer Agora (migration {unknown} is not known to this \
             one): use that release or a newer one"
        )),
        None => Ok(()),
    }
}

/// Applies the pending migrations up to and including version `last` (`2026-12-04-000002`):
/// for tests that fill a database as an earlier release left it, then upgrade it.
pub fn run_pending_until(conn: &mut DbConnection, last: &str) -> Result<Vec<String>, Error> {
    let last: String = last.chars().filter(char::is_ascii_digit).collect();
    let applied = match conn {
        DbConnection::Sqlite(inner) => run_until(inner, SQLITE, &last),
        DbConnection::Postgres(inner) => run_until(inner, POSTGRES, &last),
    }
    .map_err(|e| Error::internal(format!("migration failed: {e}")))?;
    Ok(applied)
}

fn run_until<B: diesel::backend::Backend>(
    harness: &mut impl MigrationHarness<B>,
    source: EmbeddedMigrations,
    last: &str,
) -> diesel::migration::Result<Vec<String>> {
    let mut applied = Vec::new();
    for migration in harness.pending_migrations(source)? {
        let version = migration.name().version().to_string();
        let digits: String = version.chars().filter(char::is_ascii_digit).collect();
        if digits.as_str() > last {
            break;
        }
        harness.run_migration(&*migration)?;
        applied.push(version);
    }
    Ok(applied)
}

/// The versions of every migration this binary carries for `backend`, oldest first, in
/// digits only (as `__diesel_schema_migrations` records them).
fn known_versions(backend: Backend) -> Result<Vec<String>, Error> {
    let source = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    // The names are the same whichever backend reads them.
    let migrations =
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .map_err(|e| Error::internal(format!("embedded migrations: {e}")))?;
    let mut versions: Vec<String> = migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .map(|v| v.chars().filter(char::is_ascii_digit).collect())
        .collect();
    versions.sort();
    Ok(versions)
}

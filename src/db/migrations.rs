//! Migrations for each backend, embedded in the binary and applied at start or by
//! `agora migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;
use crate::error::Error;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, Error> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE),
        DbConnection::Postgres(inner) => inner.run_pending_migrations(POSTGRES),
    }
    .map_err(|e| Error::internal(format!("migration failed: {e}")))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
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
pub fn known_versions(backend: super::Backend) -> Result<Vec<String>, Error> {
    let source = match backend {
        super::Backend::Sqlite => SQLITE,
        super::Backend::Postgres => POSTGRES,
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

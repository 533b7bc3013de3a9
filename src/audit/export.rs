//! The JSONL export of the audit log: every entry a filter picks, newest first, one JSON
//! object a line (the API's shape). The export is itself recorded.

use serde_json::json;

use super::access::{AuditFilter, entries};
use super::actions::{Entry, record};
use super::kinds::AuditAction;
use super::origin::Origin;
use crate::access::Viewer;
use crate::db::DbConnection;
use crate::error::{Error, Result};

/// Entries read per round.
const BATCH: i64 = 500;

/// The entries `filter` picks as JSON lines (site admins only), exported from `origin`.
pub fn export_jsonl(
    conn: &mut DbConnection,
    viewer: &Viewer,
    filter: &AuditFilter,
    origin: &Origin,
) -> Result<String> {
    let admin = viewer.require_admin()?.id;
    let mut out = String::new();
    let mut after: Option<String> = None;
    let mut count = 0usize;
    loop {
        let page = entries(conn, viewer, filter, after.as_deref(), BATCH)?;
        for item in &page.items {
            out.push_str(&serde_json::to_string(item).map_err(Error::internal)?);
            out.push('\n');
        }
        count += page.items.len();
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let exported = Entry::new(AuditAction::AuditExported, Some(admin)).detail(json!({
        "entries": count,
        "action": filter.action.map(AuditAction::as_str),
        "actor": filter.actor,
        "since": filter.since.map(|at| at.and_utc()),
        "until": filter.until.map(|at| at.and_utc()),
    }));
    record(conn, origin, exported)?;
    Ok(out)
}

//! Reading the audit log: site admins only, everyone else is refused (403), as every admin
//! page refuses them. Newest first, paged by id (ids are time-ordered), filtered by action,
//! actor and time.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::kinds::AuditAction;
use super::model::AuditEntry;
use crate::access::Viewer;
use crate::accounts;
use crate::cursor;
use crate::db::DbConnection;
use crate::db::schema::audit_log;
use crate::error::{Result, invalid};
use crate::ids::UserId;

/// Which entries to list; every part is optional.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    /// Who did it: an id, an `@handle` or an email.
    pub actor: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<NaiveDateTime>,
    /// Before this time (exclusive).
    pub until: Option<NaiveDateTime>,
}

/// One page of entries, each with its actor's name where there is one.
#[derive(Clone, Debug)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    pub next_cursor: Option<String>,
}

/// One entry as the admin page and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub id: String,
    /// When it was recorded (UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who did it; null for Agora itself and for failed sign-ins of unknown people.
    pub actor_id: Option<String>,
    /// The actor's name today, if the account still has one.
    pub actor_name: Option<String>,
    /// The action's stable name, such as `sign_in.failed` (see docs/audit.md).
    pub action: String,
    /// What it was done to, as `kind:id`; empty when nothing in particular.
    pub subject: String,
    pub ip: String,
    pub user_agent: String,
    /// Before/after of a change, or what else the action says.
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// A page of the entries `filter` picks, newest first, after `after` (a cursor of a previous
/// page); site admins only.
pub fn entries(
    conn: &mut DbConnection,
    viewer: &Viewer,
    filter: &AuditFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<AuditPage> {
    viewer.require_admin()?;
    let mut query = audit_log::table.into_boxed();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(actor) = filter
        .actor
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        // Someone nobody is matches nothing, rather than everything.
        let id = actor_id(conn, actor)?.unwrap_or(UserId(0));
        query = query.filter(audit_log::actor_id.eq(id));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    if let Some(after) = after {
        let (_, id) = cursor::decode::<i64>(after)?;
        query = query.filter(audit_log::id.lt(id));
    }
    let rows: Vec<AuditEntry> = query
        .order(audit_log::id.desc())
        .limit(limit + 1)
        .select(AuditEntry::as_select())
        .load(conn)?;
    let (rows, next_cursor) = cursor::page(rows, limit, |row| cursor::encode("", row.id));
    let actors: Vec<UserId> = rows.iter().filter_map(|r| r.actor_id).collect();
    let names: HashMap<UserId, String> = accounts::system::users_by_id(conn, &actors)?
        .into_iter()
        .map(|(id, user)| (id, user.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|row| AuditItem {
            id: row.id.to_string(),
            at: row.at.and_utc(),
            actor_id: row.actor_id.map(|a| a.to_string()),
            actor_name: row.actor_id.and_then(|a| names.get(&a).cloned()),
            detail: serde_json::from_str(&row.detail).unwrap_or(Value::String(row.detail)),
            action: row.action,
            subject: row.subject,
            ip: row.ip,
            user_agent: row.user_agent,
        })
        .collect();
    Ok(AuditPage { items, next_cursor })
}

/// The id `actor` names: a number, an `@handle` or an email.
fn actor_id(conn: &mut DbConnection, actor: &str) -> Result<Option<UserId>> {
    if let Ok(id) = actor.parse::<i64>() {
        return Ok(Some(UserId(id)));
    }
    if actor.contains('@') && !actor.starts_with('@') {
        let email = accounts::actions::normalize_email(actor);
        return Ok(accounts::system::user_by_email(conn, &email)?.map(|u| u.id));
    }
    let handle = actor.trim_start_matches('@').to_lowercase();
    if handle.is_empty() {
        return Err(invalid("actor", "name someone by id, @handle or email"));
    }
    let found = accounts::system::users_by_handle(conn, std::slice::from_ref(&handle))?;
    Ok(found.get(&handle).map(|u| u.id))
}

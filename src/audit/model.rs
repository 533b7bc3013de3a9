//! The row of the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::ids::UserId;

/// One entry of the audit log, as stored.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    /// Who did it; none for Agora itself and for failed sign-ins of unknown people.
    pub actor_id: Option<UserId>,
    /// The action's wire name (`AuditAction::as_str`).
    pub action: String,
    /// What it was done to, as `kind:id` (`user:42`, `group:7`); empty when nothing.
    pub subject: String,
    pub ip: String,
    pub user_agent: String,
    /// A JSON object: before/after of a change, or what else the action needs to say.
    pub detail: String,
}

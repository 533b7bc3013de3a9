//! The only writers of the audit log: [`record`], called inside the transaction of the action
//! it records, and the retention task's [`purge_before`]. Nothing updates an entry.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use super::kinds::{AuditAction, Subject};
use super::model::AuditEntry;
use super::origin::Origin;
use crate::db::schema::audit_log;
use crate::db::{DbConnection, new_id};
use crate::error::Result;
use crate::ids::UserId;

/// One entry to record: what was done, by whom, to what, and anything else worth keeping.
#[derive(Clone, Debug)]
pub struct Entry {
    action: AuditAction,
    actor: Option<UserId>,
    subject: Subject,
    detail: Value,
}

impl Entry {
    /// `action` done by `actor` (none: Agora itself, or someone unknown) to nothing in particular.
    pub fn new(action: AuditAction, actor: Option<UserId>) -> Entry {
        Entry {
            action,
            actor,
            subject: Subject::Nothing,
            detail: json!({}),
        }
    }

    /// What the action was done to.
    pub fn subject(mut self, subject: Subject) -> Entry {
        self.subject = subject;
        self
    }

    /// What else to keep, a JSON object (never a secret: no passwords, no tokens).
    pub fn detail(mut self, detail: Value) -> Entry {
        self.detail = detail;
        self
    }

    /// A change: the state before and after, each a JSON object, kept to the fields that
    /// differ.
    pub fn change(self, before: Value, after: Value) -> Entry {
        let (before, after) = differing(before, after);
        self.detail(json!({"before": before, "after": after}))
    }
}

/// The fields of two JSON objects whose values differ (anything else is kept whole).
fn differing(before: Value, after: Value) -> (Value, Value) {
    match (before, after) {
        (Value::Object(mut before), Value::Object(mut after)) => {
            let same: Vec<String> = before
                .iter()
                .filter(|(key, value)| after.get(*key) == Some(*value))
                .map(|(key, _)| key.clone())
                .collect();
            for key in same {
                before.remove(&key);
                after.remove(&key);
            }
            (Value::Object(before), Value::Object(after))
        }
        (before, after) => (before, after),
    }
}

/// Appends `entry`, done from `origin`, in the caller's transaction: if the action rolls
/// back, so does its entry.
pub fn record(conn: &mut DbConnection, origin: &Origin, entry: Entry) -> Result<()> {
    let row = AuditEntry {
        id: new_id(),
        // The wall clock, even where the demo writes its history back in time: the log says
        // when things happened to this server.
        at: Utc::now().naive_utc(),
        actor_id: entry.actor,
        action: entry.action.as_str().to_string(),
        subject: entry.subject.to_string(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        detail: entry.detail.to_string(),
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Deletes the entries recorded before `cutoff`; returns how many. Only retention calls it.
pub(super) fn purge_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_keeps_only_what_changed() {
        let (before, after) = differing(
            json!({"name": "A", "visibility": "public", "allow_guests": false}),
            json!({"name": "A", "visibility": "secret", "allow_guests": false}),
        );
        assert_eq!(before, json!({"visibility": "public"}));
        assert_eq!(after, json!({"visibility": "secret"}));
    }
}

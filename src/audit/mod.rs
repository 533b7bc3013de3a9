//! The audit log: an append-only record of every administrative and security action — who
//! did it, what, to what, when, and from where (address and user agent), with the state
//! before and after where that makes sense.
//!
//! Invariants: an entry is written by [`record`] inside the transaction of the action it
//! records, so a rolled-back action leaves no entry and a committed one always has one. The
//! product has no way to change or delete an entry: the table refuses `UPDATE` (a trigger on
//! both backends), and the only deletes are the retention task's, of entries older than
//! `audit.retention_days`. Entries keep the actor's id: deleting an account later anonymises
//! the person, not the log. See docs/audit.md.

pub mod access;
mod actions;
mod export;
mod kinds;
mod model;
mod origin;
pub mod retention;

pub use access::{AuditFilter, AuditItem, AuditPage};
pub use actions::{Entry, record};
pub use export::export_jsonl;
pub use kinds::{AuditAction, Subject};
pub use model::AuditEntry;
pub use origin::Origin;

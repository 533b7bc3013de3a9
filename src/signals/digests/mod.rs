//! Email digests: per user and period (daily or weekly), the posts the reader may see from the
//! people, tags and groups they follow, ranked by engagement and recency, leaving out what they
//! have met already and their own posts, capped with "and N more".
//!
//! Invariant: at most one digest per user, period and period key (the local date, or the ISO
//! week). The `digests` row that says so is written in the transaction that queues the email,
//! so a run killed midway and run again sends each user's digest exactly once.

mod compose;
mod letter;
mod ranking;
pub mod run;
pub mod schedule;
pub mod unsubscribe;

pub use compose::{Digest, DigestItem};
pub use run::{RunReport, run_now, run_period};
pub use schedule::{DigestSchedule, Period, check_settings};

//! Expired guests' personal data: `guests.delete_after_days` after a guest's access ended
//! (expired, revoked or suspended: her account deactivated), her account is deleted as the
//! deletion area deletes any (her content kept under the placeholder name unless the policy
//! removes it). A task sweeps once an hour; a deleted account is never due again, and a guest
//! extended or reactivated in time is not due at all.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::Origin;
use crate::config::Config;
use crate::db::Db;
use crate::db::schema::{guests, users};
use crate::deletion::actions::{Rules, delete_unattended};
use crate::error::Result;
use crate::ids::UserId;
use crate::signing::Signer;
use crate::workers::{Periodic, blocking};

/// Time between sweeps.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Deletes the guests whose access ended `guests.delete_after_days` or more before `now`;
/// returns how many. Nothing when the setting is 0.
pub fn sweep(db: &Db, config: &Config, signer: &Signer, now: NaiveDateTime) -> Result<usize> {
    let days = config.guests.delete_after_days;
    if days <= 0 {
        return Ok(0);
    }
    let ended_before = now - chrono::Duration::days(days);
    let due: Vec<UserId> = db.read(|conn| {
        Ok(guests::table
            .inner_join(users::table.on(users::id.eq(guests::user_id)))
            .filter(users::kind.eq("guest"))
            .filter(users::deleted_at.is_null())
            .filter(users::deactivated_at.le(ended_before))
            .select(guests::user_id)
            .load(conn)?)
    })?;
    let rules = Rules {
        policy: config.accounts.deletion_policy,
        signer,
    };
    // One transaction each: a guest that fails to go leaves the others gone.
    for id in &due {
        db.write(|conn| delete_unattended(conn, rules, *id, &Origin::system()))?;
    }
    Ok(due.len())
}

/// The sweep as a periodic worker.
#[derive(Debug)]
pub struct GuestErasure {
    pub db: Db,
    pub config: Config,
    pub signer: Signer,
}

impl Periodic for GuestErasure {
    fn name(&self) -> &'static str {
        "guest_erasure"
    }

    fn every(&self) -> Duration {
        SWEEP_EVERY
    }

    async fn run(&mut self) -> Result<()> {
        let (db, config, signer) = (self.db.clone(), self.config.clone(), self.signer.clone());
        let now = chrono::Utc::now().naive_utc();
        let deleted = blocking(move || sweep(&db, &config, &signer, now)).await?;
        if deleted > 0 {
            tracing::info!(deleted, "expired guests deleted");
        }
        Ok(())
    }
}

//! The id generator's node, leased from the database: each serving process claims the lowest
//! node no live lease holds and renews it, so that several processes on one database never
//! make ids with the same node. The process stops using the node a margin before its lease
//! runs out by the database row, so a late renewal (the database down, a stalled process) can
//! never overlap with another process that took the node over.

use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;

use super::ids::{LEASED_NODES, generator};
use super::schema::node_leases;
use super::{Db, DbConnection, lock_consumer};
use crate::error::{Error, Result};
use crate::workers::{Periodic, blocking};

/// How long a lease holds without renewal.
const TERM: Duration = Duration::from_secs(60);
/// How long before the lease's end the node is given up: room for clocks that disagree
/// between servers, and for the renewal's own time.
const MARGIN: Duration = Duration::from_secs(20);
/// How often a lease is renewed: several renewals fit in the time it is used.
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// This process's lease on one database.
#[derive(Debug)]
pub struct NodeLease {
    db: Db,
    /// Who holds it: unique per process and start.
    holder: String,
    node: std::sync::Mutex<Option<u16>>,
}

impl NodeLease {
    /// Claims a node on `db` and gives it to the process's id generator.
    pub fn claim(db: &Db) -> Result<NodeLease> {
        let holder = format!(
            "{}:{}:{:016x}",
            hostname(),
            std::process::id(),
            rand::random::<u64>()
        );
        let lease = NodeLease {
            db: db.clone(),
            holder,
            node: std::sync::Mutex::new(None),
        };
        lease.renew()?;
        Ok(lease)
    }

    /// The node held now, if any.
    pub fn node(&self) -> Option<u16> {
        *self.node.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Extends the lease, or claims a node afresh if it was lost; the generator uses the node
    /// until a margin before the new end.
    fn renew(&self) -> Result<u16> {
        let started = Instant::now();
        let held = self.node();
        let node = self
            .db
            // Not an event: nothing to wake.
            .write_quietly(|conn| match held {
                Some(node) if extend(conn, node, &self.holder)? => Ok(node),
                _ => take(conn, &self.holder),
            })?;
        if held.is_some_and(|h| h != node) {
            tracing::warn!(
                lost = held,
                node,
                "the id node's lease ran out; took another"
            );
        }
        *self.node.lock().unwrap_or_else(|p| p.into_inner()) = Some(node);
        generator().lease(node, started + TERM - MARGIN);
        Ok(node)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Moves the end of `holder`'s lease on `node`; false if it is not `holder`'s any more.
fn extend(conn: &mut DbConnection, node: u16, holder: &str) -> Result<bool> {
    let changed = diesel::update(
        node_leases::table
            .filter(node_leases::node.eq(i32::from(node)))
            .filter(node_leases::holder.eq(holder)),
    )
    .set(node_leases::expires_at.eq(Utc::now().naive_utc() + TERM))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Takes the lowest node that no lease holds now, for `holder`.
fn take(conn: &mut DbConnection, holder: &str) -> Result<u16> {
    // Processes claiming at once take turns, so two never pick the same free node.
    lock_consumer(conn, "node_leases")?;
    let now = Utc::now().naive_utc();
    let held: Vec<i32> = node_leases::table
        .filter(node_leases::expires_at.gt(now))
        .select(node_leases::node)
        .load(conn)?;
    let node = (0..LEASED_NODES)
        .find(|n| !held.contains(&i32::from(*n)))
        .ok_or_else(|| {
            Error::unavailable(format!(
                "all {LEASED_NODES} id nodes are leased by running processes"
            ))
        })?;
    diesel::delete(node_leases::table.find(i32::from(node))).execute(conn)?;
    diesel::insert_into(node_leases::table)
        .values((
            node_leases::node.eq(i32::from(node)),
            node_leases::holder.eq(holder),
            node_leases::expires_at.eq(now + TERM),
        ))
        .execute(conn)?;
    Ok(node)
}

/// Renews the lease while the process serves.
pub struct Renewal(pub std::sync::Arc<NodeLease>);

impl Periodic for Renewal {
    fn name(&self) -> &'static str {
        "node_lease"
    }

    fn every(&self) -> Duration {
        RENEW_EVERY
    }

    async fn run(&mut self) -> Result<()> {
        let lease = self.0.clone();
        blocking(move || lease.renew()).await?;
        Ok(())
    }
}

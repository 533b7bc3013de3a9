//! Tasks on a timer: the digest schedule, the guest sweep, the live stream's heartbeats.

use std::time::Duration;

use super::{Pass, Wake, Worker};
use crate::error::Result;

/// Work done every so often.
pub trait Periodic: Send + 'static {
    /// Its name in logs, metrics and the status page.
    fn name(&self) -> &'static str;
    /// Time between runs (and before a retry after a failure).
    fn every(&self) -> Duration;
    /// One run. Blocking work goes to [`blocking`](super::blocking) inside.
    fn run(&mut self) -> impl std::future::Future<Output = Result<()>> + Send;
}

/// Runs a [`Periodic`] task as a worker.
pub struct PeriodicWorker<P>(pub P);

impl<P: Periodic> Worker for PeriodicWorker<P> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn wake(&self) -> Wake {
        Wake::Every(self.0.every())
    }

    async fn pass(&mut self) -> Result<Pass> {
        self.0.run().await?;
        Ok(Pass::default())
    }
}

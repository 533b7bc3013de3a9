//! The hub: one worker per process reads the events log from the last id at start and
//! broadcasts each event to every open stream; another ticks them for heartbeats.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore, broadcast};

use super::frame::Counts;
use super::meta::Meta;
use crate::access::ReaderClass;
use crate::config::LiveSettings;
use crate::db::Db;
use crate::error::Result;
use crate::events::{self, Batch, Recorded};
use crate::posts::heads::Heads;
use crate::workers::{Pass, Periodic, Wake, Worker, blocking};

/// Events read from the log at a time.
const BATCH: i64 = 500;

/// What the hub sends to every stream.
#[derive(Clone, Debug)]
pub enum Signal {
    /// A committed event.
    Event(Arc<LiveEvent>),
    /// Time for a heartbeat, and, where due, a fresh look at the viewer's groups.
    Tick,
}

/// An event as streams need it, shared by all of them.
#[derive(Debug)]
pub struct LiveEvent {
    pub id: i64,
    pub meta: Meta,
    /// The counts after the event, read once per class of readers by the first stream of the
    /// class allowed to show it (`None`: the post or comment is gone), instead of once per
    /// stream. Never shared across classes: a guest's count leaves out what only employees see.
    counts: [OnceCell<Option<Counts>>; 2],
}

impl LiveEvent {
    /// `recorded`, as streams need it.
    pub fn of(recorded: &Recorded) -> LiveEvent {
        LiveEvent {
            id: recorded.id,
            meta: Meta::of(recorded),
            counts: [OnceCell::new(), OnceCell::new()],
        }
    }

    /// Where the counts for readers of `class` are kept.
    pub fn counts_for(&self, class: ReaderClass) -> &OnceCell<Option<Counts>> {
        match class {
            ReaderClass::Employees => &self.counts[0],
            ReaderClass::Guests => &self.counts[1],
        }
    }
}

/// What the hub task and the streams share.
#[derive(Debug)]
pub(super) struct Shared {
    state: Mutex<State>,
    pub(super) settings: LiveSettings,
    pub(super) db: Db,
    /// The feeds' sources' newest posts, raised here before any stream is told.
    heads: Arc<Heads>,
    /// Bounds the streams reading the database at once (scope refreshes, catch-ups), so that
    /// thousands of idle streams refreshing together never starve requests of connections.
    pub(super) readers: Semaphore,
}

#[derive(Debug)]
struct State {
    /// The last event broadcast. Sending and subscribing both happen under the lock, so a new
    /// stream knows exactly which ids its receiver will carry: everything above this one.
    last_id: i64,
    /// Taken when the hub stops, which closes every stream.
    sender: Option<broadcast::Sender<Signal>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics under the lock; a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A receiver of every signal after now, and the last event id sent before it; `None`
    /// once the hub has stopped.
    pub(super) fn subscribe(&self) -> Option<(broadcast::Receiver<Signal>, i64)> {
        let state = self.state();
        let sender = state.sender.as_ref()?;
        Some((sender.subscribe(), state.last_id))
    }

    /// The last event id broadcast.
    pub(super) fn last_id(&self) -> i64 {
        self.state().last_id
    }

    fn publish(&self, batch: &Batch) {
        // Worked out before the lock, which new streams wait on.
        let live: Vec<Arc<LiveEvent>> = batch
            .events
            .iter()
            .map(|r| Arc::new(LiveEvent::of(r)))
            .collect();
        let mut state = self.state();
        for event in live {
            if let Some(sender) = &state.sender {
                // An error only means that no stream is open.
                let _ = sender.send(Signal::Event(event));
            }
        }
        if let Some(last) = batch.last_id {
            state.last_id = last;
        }
    }

    fn tick(&self) {
        if let Some(sender) = &self.state().sender {
            let _ = sender.send(Signal::Tick);
        }
    }

    fn close(&self) {
        self.heads.unwatch();
        self.state().sender = None;
    }

    /// Reads and publishes the next batch; true when it was full, so more may be waiting.
    async fn read_and_publish(&self) -> Result<bool> {
        let after = self.last_id();
        let db = self.db.clone();
        let heads = self.heads.clone();
        // Counted before the read: the events of this many of our writes are in what it reads.
        let logged = db.wakeup().logged();
        let batch = blocking(move || {
            db.read(|conn| {
                let batch = events::read_after(conn, after, BATCH, "live_hub")?;
                // Before any stream is told: a reader told of a post finds it in her feed.
                heads.raise_for(conn, &batch.events)?;
                Ok(batch)
            })
        })
        .await?;
        self.publish(&batch);
        self.heads.raised_through(self.db.wakeup(), logged);
        Ok(batch.rows as i64 == BATCH)
    }
}

/// Creates the shared state, starting after the newest event (this blocks on one read).
pub(super) fn shared(
    db: &Db,
    settings: &LiveSettings,
    readers: usize,
    heads: Arc<Heads>,
) -> crate::error::Result<Shared> {
    let last_id = db.read(events::last_id)?;
    let (sender, _) = broadcast::channel(settings.channel_capacity);
    Ok(Shared {
        state: Mutex::new(State {
            last_id,
            sender: Some(sender),
        }),
        settings: settings.clone(),
        db: db.clone(),
        heads,
        readers: Semaphore::new(readers.max(1)),
    })
}

/// The worker that publishes events as they enter the log (woken when a write of this process
/// grew it, polling for other processes); when the workers stop, it closes every stream.
#[derive(Debug)]
pub struct Publisher(pub(super) Arc<Shared>);

impl Worker for Publisher {
    fn name(&self) -> &'static str {
        "live_hub"
    }

    fn wake(&self) -> Wake {
        Wake::OnLog(Duration::from_millis(self.0.settings.poll_ms))
    }

    async fn pass(&mut self) -> Result<Pass> {
        let more = self.0.read_and_publish().await?;
        Ok(Pass {
            more,
            position: Some(self.0.last_id()),
        })
    }

    fn stopped(&mut self) {
        self.0.close();
        tracing::debug!("live hub stopped");
    }
}

/// The worker that ticks every stream for heartbeats and timed scope refreshes.
#[derive(Debug)]
pub struct Heartbeat(pub(super) Arc<Shared>);

impl Periodic for Heartbeat {
    fn name(&self) -> &'static str {
        "live_heartbeat"
    }

    fn every(&self) -> Duration {
        // Ticks drive both heartbeats and timed scope refreshes, so they come as often as either.
        let settings = &self.0.settings;
        Duration::from_secs(settings.heartbeat_secs.min(settings.scope_refresh_secs))
    }

    async fn run(&mut self) -> Result<()> {
        self.0.tick();
        Ok(())
    }
}

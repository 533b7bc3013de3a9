//! The hub: one task per process reads the events log from the last id at start and
//! broadcasts each event, plus a periodic tick for heartbeats, to every open stream.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore, broadcast, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::frame::Counts;
use super::meta::Meta;
use crate::config::LiveSettings;
use crate::db::Db;
use crate::events::{self, Event, Wakeup};

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
    /// The counts after the event, read once by the first stream allowed to show it (`None`:
    /// the post or comment is gone), instead of once per stream.
    pub counts: OnceCell<Option<Counts>>,
}

impl LiveEvent {
    /// `event`, parsed.
    pub fn of(event: &Event) -> LiveEvent {
        LiveEvent {
            id: event.id,
            meta: Meta::of(event),
            counts: OnceCell::new(),
        }
    }
}

/// What the hub task and the streams share.
#[derive(Debug)]
pub(super) struct Shared {
    state: Mutex<State>,
    pub(super) settings: LiveSettings,
    pub(super) db: Db,
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

    fn publish(&self, batch: &[Event]) {
        let mut state = self.state();
        for event in batch {
            if let Some(sender) = &state.sender {
                // An error only means that no stream is open.
                let _ = sender.send(Signal::Event(Arc::new(LiveEvent::of(event))));
            }
            state.last_id = event.id;
        }
    }

    fn tick(&self) {
        if let Some(sender) = &self.state().sender {
            let _ = sender.send(Signal::Tick);
        }
    }

    fn close(&self) {
        self.state().sender = None;
    }

    /// Reads and publishes the next batch; true when it was full, so more may be waiting.
    async fn read_and_publish(&self) -> bool {
        let after = self.last_id();
        let db = self.db.clone();
        let read = tokio::task::spawn_blocking(move || {
            db.read(|conn| events::read_after(conn, after, BATCH))
        })
        .await;
        match read {
            Ok(Ok(batch)) => {
                self.publish(&batch);
                batch.len() as i64 == BATCH
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "live hub cannot read the events log; retrying");
                false
            }
            Err(error) => {
                tracing::error!(%error, "live hub read panicked; retrying");
                false
            }
        }
    }
}

/// Creates the shared state, starting after the newest event (this blocks on one read).
pub(super) fn shared(
    db: &Db,
    settings: &LiveSettings,
    readers: usize,
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
        readers: Semaphore::new(readers.max(1)),
    })
}

/// The hub task: publishes events as they commit (woken by commits in this process, polling
/// for other processes) and ticks for heartbeats, until `stop` is dropped.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let settings = &shared.settings;
    let poll = Duration::from_millis(settings.poll_ms);
    // Ticks drive both heartbeats and timed scope refreshes, so they come as often as either.
    let period = Duration::from_secs(settings.heartbeat_secs.min(settings.scope_refresh_secs));
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut wakeups = shared.db.wakeup().subscribe();
    loop {
        wakeups.mark_unchanged();
        if shared.read_and_publish().await {
            continue;
        }
        tokio::select! {
            _ = Wakeup::wait(&mut wakeups, poll) => {}
            _ = ticks.tick() => shared.tick(),
            // Nothing is ever sent: this fires when the last handle is dropped.
            _ = stop.changed() => break,
        }
    }
    shared.close();
    tracing::debug!("live hub stopped");
}

//! One open stream: the viewer's scope, where they are in the log, and the text to send next.
//! It holds no thread and no database connection while idle; it reads the database only to
//! refresh its scope, to read counts, and to catch up after falling behind.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::frame::{self, Counts};
use super::hub::{LiveEvent, Shared, Signal};
use super::meta::{Content, CountsOf, Revoked, Topic};
use crate::access::{Scope, Viewer};
use crate::accounts::sessions;
use crate::db::DbConnection;
use crate::error::{Error, ErrorKind, Result};
use crate::events;
use crate::ids::UserId;
use crate::posts;

/// How long a browser waits before reconnecting a dropped stream.
const RETRY_MS: u64 = 5000;

/// Who opens a stream, and where they left off.
#[derive(Clone, Debug)]
pub struct Subscriber {
    /// Must be a signed-in user.
    pub viewer: Viewer,
    /// The credential the stream was opened with, re-checked with the scope.
    pub credential: StreamCredential,
    /// The last event the client saw (`Last-Event-ID`).
    pub last_event_id: Option<i64>,
}

/// What a stream was opened with: it ends when that is revoked.
#[derive(Clone, Copy, Debug)]
pub enum StreamCredential {
    /// A browser session row.
    Session(i64),
    /// A personal access token row.
    Token(i64),
}

/// An open stream; [`Connection::next`] gives its text chunk by chunk.
#[derive(Debug)]
pub struct Connection {
    shared: Arc<Shared>,
    receiver: broadcast::Receiver<Signal>,
    me: UserId,
    credential: StreamCredential,
    scope: Scope,
    /// Set when a membership or group change may have made the scope wrong; it is read again
    /// before the next decision, not at once, so a burst of changes costs one read.
    stale: bool,
    refresh_due: Instant,
    /// The highest event id decided (sent or filtered out); anything at or below is skipped.
    cursor: i64,
    out: String,
    done: bool,
}

impl Connection {
    /// Subscribes first, then resolves the scope and replays what the client missed, so no
    /// event falls between the replay and the live signals.
    pub(super) async fn open(shared: Arc<Shared>, subscriber: Subscriber) -> Result<Connection> {
        let me = subscriber.viewer.require_user()?.id;
        let (receiver, head) = shared
            .subscribe()
            .ok_or_else(|| Error::unavailable("the live hub has stopped"))?;
        let mut connection = Connection {
            shared,
            receiver,
            me,
            credential: subscriber.credential,
            scope: Scope::unresolved(subscriber.viewer),
            stale: true,
            refresh_due: Instant::now(),
            cursor: head,
            out: String::new(),
            done: false,
        };
        if !connection.refresh().await? {
            return Err(Error::unauthenticated());
        }
        if let Some(after) = subscriber.last_event_id {
            // An id above `head` comes from a process whose hub is ahead of this one: skip
            // up to it rather than send those events twice.
            connection.cursor = after;
            Box::pin(connection.catch_up(head)).await;
        }
        let opening = frame::opening(RETRY_MS, connection.cursor);
        connection.out.push_str(&opening);
        Ok(connection)
    }

    /// The next chunk of text to send, waiting for one; `None` ends the stream.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            if !self.out.is_empty() {
                return Some(std::mem::take(&mut self.out));
            }
            if self.done {
                return None;
            }
            // The rare paths are boxed so that an idle stream's pending future stays small.
            match self.receiver.recv().await {
                Ok(Signal::Event(event)) => Box::pin(self.on_event(&event)).await,
                Ok(Signal::Tick) => Box::pin(self.on_tick()).await,
                Err(RecvError::Lagged(_)) => {
                    let head = self.shared.last_id();
                    Box::pin(self.catch_up(head)).await
                }
                Err(RecvError::Closed) => self.done = true,
            }
        }
    }

    /// Whether `revoked` takes this stream's credential.
    fn opened_with(&self, revoked: Revoked) -> bool {
        match (revoked, self.credential) {
            (Revoked::User(user), _) => user == self.me,
            (Revoked::Session(id), StreamCredential::Session(mine))
            | (Revoked::Token(id), StreamCredential::Token(mine)) => id == mine,
            (Revoked::Session(_), StreamCredential::Token(_))
            | (Revoked::Token(_), StreamCredential::Session(_)) => false,
        }
    }

    async fn on_tick(&mut self) {
        self.out.push_str(frame::ping());
        if Instant::now() >= self.refresh_due {
            self.refresh_or_end().await;
        }
    }

    async fn on_event(&mut self, event: &LiveEvent) {
        if event.id <= self.cursor {
            return;
        }
        self.cursor = event.id;
        match &event.meta.topic {
            Topic::SignedOut(revoked) if self.opened_with(*revoked) => self.done = true,
            Topic::Membership { user_id } if *user_id == self.me => self.stale = true,
            Topic::GroupChanged => self.stale = true,
            Topic::Notified { recipients } if recipients.binary_search(&self.me).is_ok() => {
                Box::pin(self.on_notified(event.id)).await;
            }
            Topic::Content(content) => {
                if self.stale {
                    self.refresh_or_end().await;
                }
                if self.done
                    || !self
                        .scope
                        .reads_post(content.group_id, content.employees_only)
                {
                    return;
                }
                let counts = match content.counts {
                    CountsOf::Nothing => None,
                    _ => match self.counts(event, content).await {
                        Ok(Some(counts)) => Some(counts),
                        // Gone since: there is nothing left to update.
                        Ok(None) => return,
                        Err(error) => {
                            tracing::warn!(%error, "live stream cannot read counts");
                            None
                        }
                    },
                };
                let text = frame::content(event.id, &event.meta.kind, content, counts);
                self.out.push_str(&text);
            }
            _ => {}
        }
    }

    /// Sends the viewer's unread count after a notification for them.
    async fn on_notified(&mut self, id: i64) {
        if self.stale {
            self.refresh_or_end().await;
        }
        let (db, scope) = (self.shared.db.clone(), self.scope.clone());
        let unread = tokio::task::spawn_blocking(move || {
            db.read(|conn| crate::signals::notifications::unread_count(conn, &scope))
        })
        .await;
        match unread {
            Ok(Ok(unread)) => self.out.push_str(&frame::notification(id, unread)),
            Ok(Err(error)) => tracing::warn!(%error, "live stream cannot count notifications"),
            Err(error) => tracing::error!(%error, "live stream count panicked"),
        }
    }

    /// The counts after `event`, read once for all streams of this viewer's class of readers
    /// through this viewer's access check.
    async fn counts(&self, event: &LiveEvent, content: &Content) -> Result<Option<Counts>> {
        let counts = event
            .counts_for(self.scope.reader_class())
            .get_or_try_init(|| {
                let (db, scope, content) = (self.shared.db.clone(), self.scope.clone(), *content);
                async move {
                    tokio::task::spawn_blocking(move || {
                        db.read(|conn| read_counts(conn, &scope, &content))
                    })
                    .await
                    .map_err(Error::internal)?
                }
            });
        Ok(*counts.await?)
    }

    /// Sends what was missed between the cursor and `head` from the database, or, when that is
    /// more than the replay limit, tells the client to reload.
    async fn catch_up(&mut self, head: i64) {
        let missed = head - self.cursor;
        if missed <= 0 {
            return;
        }
        if missed > self.shared.settings.replay_limit {
            self.out.push_str(&frame::reload(head));
            self.cursor = head;
            return;
        }
        let (db, after) = (self.shared.db.clone(), self.cursor);
        let read = async {
            let _permit = self
                .shared
                .readers
                .acquire()
                .await
                .map_err(Error::internal)?;
            tokio::task::spawn_blocking(move || {
                db.read(|conn| events::read_after(conn, after, missed, "live_stream"))
            })
            .await
            .map_err(Error::internal)?
        };
        match read.await {
            Ok(batch) => {
                for recorded in batch.events.iter().filter(|r| r.id <= head) {
                    self.on_event(&LiveEvent::of(recorded)).await;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "live stream cannot catch up; asking for a reload");
                self.out.push_str(&frame::reload(head));
            }
        }
        self.cursor = self.cursor.max(head);
    }

    /// Refreshes the scope; ends the stream when the viewer is no longer signed in. A failed
    /// read keeps the old scope until the next try.
    async fn refresh_or_end(&mut self) {
        match self.refresh().await {
            Ok(true) => {}
            Ok(false) => self.done = true,
            Err(error) => tracing::warn!(%error, "live stream cannot refresh its scope"),
        }
    }

    /// Re-checks the credential and reads the scope again; false when the viewer is gone.
    async fn refresh(&mut self) -> Result<bool> {
        // Spread timed refreshes over the last quarter of the interval, so streams opened
        // together do not all read the database at the same moment.
        let interval = self.shared.settings.scope_refresh_secs * 1000;
        let jitter = rand::random::<u64>() % (interval / 4 + 1);
        self.refresh_due = Instant::now() + Duration::from_millis(interval - jitter);
        let _permit = self
            .shared
            .readers
            .acquire()
            .await
            .map_err(Error::internal)?;
        let (db, viewer, credential) = (
            self.shared.db.clone(),
            self.scope.viewer().clone(),
            self.credential,
        );
        let found = tokio::task::spawn_blocking(move || {
            db.read(|conn| {
                if !still_signed_in(conn, credential)? {
                    return Ok(None);
                }
                Scope::resolve(conn, &viewer).map(Some)
            })
        })
        .await
        .map_err(Error::internal)??;
        let Some(scope) = found else {
            return Ok(false);
        };
        // A stream decides with `reads_post` alone, which needs only the readable groups;
        // dropping the roles and public list halves what each idle stream keeps.
        self.scope = scope.for_posts_only();
        self.stale = false;
        Ok(true)
    }
}

/// Whether the stream's credential still stands: the session or token row is live and its
/// user active (revocation deletes the row; deactivation deletes every row of the user).
fn still_signed_in(conn: &mut DbConnection, credential: StreamCredential) -> Result<bool> {
    Ok(match credential {
        StreamCredential::Session(id) => sessions::resolve_session(conn, id)?.is_some(),
        StreamCredential::Token(id) => sessions::api_token_live(conn, id)?,
    })
}

/// The counts `content` reports, through the viewer's access check; `None` when the post or
/// comment is gone (or, which looks the same, not readable).
fn read_counts(
    conn: &mut DbConnection,
    scope: &Scope,
    content: &Content,
) -> Result<Option<Counts>> {
    let found = match (content.counts, content.comment_id) {
        (CountsOf::CommentLikes, Some(comment_id)) => {
            posts::access::visible_comment(conn, scope, comment_id).map(|(comment, post)| Counts {
                like_count: comment.like_count,
                comment_count: post.comments_seen_by(scope),
            })
        }
        _ => posts::access::visible_post(conn, scope, content.post_id).map(|post| Counts {
            like_count: post.like_count,
            comment_count: post.comments_seen_by(scope),
        }),
    };
    match found {
        Ok(counts) => Ok(Some(counts)),
        Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

//! The notifier: a consumer of the events log that turns what happened into notifications,
//! and emails those its recipients want at once.
//!
//! It keeps its own cursor, moved in the transaction that writes the notifications and queues
//! the emails, so a crash or restart neither loses nor repeats any. Each would-be recipient is
//! checked against the access policy (`audience`), their settings and mutes; nobody hears of
//! their own action, deactivated users never. After a batch that told someone, it appends one
//! `notification.created` event per source event naming the recipients, which the live hub
//! sends to those recipients only.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;

use super::audience::{self, Subject};
use super::letters::{self, Letter};
use super::notifications::{self, Note};
use super::preferences::{self, Delivery, Kind};
use super::seen::{self, How};
use super::views;
use crate::accounts::{self, User};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events::{self, Event, NewEvent, Wakeup};
use crate::groups;
use crate::mail;
use crate::posts;

/// The notifier's name in `event_cursors`.
pub const CONSUMER: &str = "notifier";
/// The event that tells the live hub who has something new.
pub const CREATED: &str = "notification.created";
/// Events applied in one transaction.
const BATCH: i64 = 200;
/// How often the log is read when no commit in this process wakes the notifier.
const POLL: Duration = Duration::from_secs(1);

/// What one pass over the log did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Events read.
    pub applied: usize,
    /// Notifications created or folded into.
    pub told: usize,
}

/// Runs until the sender of `stopped` is dropped.
pub async fn run(db: Db, public_url: String, mut stopped: tokio::sync::watch::Receiver<()>) {
    let mut wakeups = db.wakeup().subscribe();
    loop {
        wakeups.mark_unchanged();
        let (db2, url) = (db.clone(), public_url.clone());
        match tokio::task::spawn_blocking(move || run_once(&db2, &url)).await {
            Ok(Ok(pass)) => {
                if pass.told > 0 {
                    // The batch committed quietly; the live hub should hear of it now.
                    db.wakeup().notify();
                }
                if pass.applied > 0 {
                    continue;
                }
            }
            Ok(Err(error)) => tracing::warn!(%error, "notifier failed; retrying"),
            Err(error) => tracing::error!(%error, "notifier panicked; retrying"),
        }
        tokio::select! {
            _ = Wakeup::wait(&mut wakeups, POLL) => {}
            changed = stopped.changed() => if changed.is_err() { return },
        }
    }
}

/// Applies the next batch of events after the notifier's cursor.
pub fn run_once(db: &Db, public_url: &str) -> Result<Pass> {
    let mut told = 0;
    let applied = events::consume_batch(db, CONSUMER, BATCH, |conn, event| {
        let recipients = apply(conn, public_url, event)?;
        if !recipients.is_empty() {
            told += recipients.len();
            events::append(
                conn,
                NewEvent::new(CREATED, event.actor_id, None)
                    .with(serde_json::json!({"recipients": recipients, "event_id": event.id})),
            )?;
        }
        Ok(())
    })?;
    Ok(Pass { applied, told })
}

/// Notifies whoever `event` concerns; returns who was told.
pub fn apply(conn: &mut DbConnection, public_url: &str, event: &Event) -> Result<Vec<i64>> {
    let Some(actor) = event.actor_id else {
        return Ok(Vec::new());
    };
    let mut told = Vec::new();
    for plan in plans(conn, event, actor)? {
        told.extend(deliver(conn, public_url, &plan)?);
    }
    told.sort_unstable();
    told.dedup();
    Ok(told)
}

/// One kind of notification an event gives, and to whom it may go.
#[derive(Debug)]
struct Plan {
    note: Note,
    candidates: Vec<i64>,
    subject: Subject,
    /// The post's author, to say "your post".
    post_author: Option<i64>,
    /// The text an email quotes.
    quote: Option<String>,
}

impl Plan {
    fn new(kind: Kind, key: String, event: &Event, actor: i64, subject: Subject) -> Plan {
        Plan {
            note: Note {
                kind,
                key,
                actor,
                post_id: None,
                comment_id: None,
                group_id: None,
                event_id: event.id,
            },
            candidates: Vec::new(),
            subject,
            post_author: None,
            quote: None,
        }
    }

    /// The same plan about `post` (and `comment`), quoting `quote`.
    fn about(mut self, post: &posts::Post, comment: Option<i64>, quote: &str) -> Plan {
        self.note.post_id = Some(post.id);
        self.note.comment_id = comment;
        self.note.group_id = post.group_id;
        self.post_author = Some(post.author_id);
        self.quote = Some(views::excerpt(quote));
        self
    }

    fn to(mut self, candidates: Vec<i64>) -> Plan {
        self.candidates = candidates;
        self
    }
}

/// What `event` gives rise to. A mention wins over the comment or group post of the same
/// event, so nobody hears twice of one thing.
fn plans(conn: &mut DbConnection, event: &Event, actor: i64) -> Result<Vec<Plan>> {
    let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let Some(subject_id) = event.subject_id else {
        return Ok(Vec::new());
    };
    let content = |group_id, employees_only| Subject::Content {
        group_id,
        employees_only,
    };
    let plans = match event.kind.as_str() {
        "post.created" => {
            let quiet = payload["quiet"].as_bool().unwrap_or(false);
            let Some(post) = posts::access::post_for_signals(conn, subject_id)?.filter(|_| !quiet)
            else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only);
            let mentioned = posts::access::mentioned_in(conn, post.id, 0)?;
            let mut plans = vec![];
            if let Some(group) = post.group_id {
                let members = groups::access::each_post_member_ids(conn, group)?;
                let members = members
                    .into_iter()
                    .filter(|m| !mentioned.contains(m))
                    .collect();
                let key = format!("group_post:post:{}", post.id);
                plans.push(
                    Plan::new(Kind::GroupPost, key, event, actor, about)
                        .about(&post, None, &post.body)
                        .to(members),
                );
            }
            let key = format!("mention:post:{}", post.id);
            plans.push(
                Plan::new(Kind::Mention, key, event, actor, about)
                    .about(&post, None, &post.body)
                    .to(mentioned),
            );
            plans
        }
        "comment.created" => {
            let Some((comment, post)) = comment_and_post(conn, subject_id)? else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only || comment.employees_only);
            let mentioned = posts::access::mentioned_in(conn, post.id, comment.id)?;
            let thread = posts::access::thread_participants(conn, &post, comment.id)?;
            let thread = thread
                .into_iter()
                .filter(|p| !mentioned.contains(p))
                .collect();
            let key = format!("comment:post:{}", post.id);
            let comments = Plan::new(Kind::Comment, key, event, actor, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(thread);
            let key = format!("mention:comment:{}", comment.id);
            let mentions = Plan::new(Kind::Mention, key, event, actor, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(mentioned);
            vec![comments, mentions]
        }
        "post.liked" => {
            let Some(post) = posts::access::post_for_signals(conn, subject_id)? else {
                return Ok(Vec::new());
            };
            let key = format!("like:post:{}", post.id);
            let author = vec![post.author_id];
            vec![
                Plan::new(
                    Kind::Like,
                    key,
                    event,
                    actor,
                    content(post.group_id, post.employees_only),
                )
                .about(&post, None, &post.body)
                .to(author),
            ]
        }
        "comment.liked" => {
            let Some((comment, post)) = comment_and_post(conn, subject_id)? else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only || comment.employees_only);
            let key = format!("like:comment:{}", comment.id);
            let mut plan = Plan::new(Kind::Like, key, event, actor, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(vec![comment.author_id]);
            // "your comment", not "your post".
            plan.post_author = None;
            vec![plan]
        }
        "user.followed" => {
            let plan = Plan::new(
                Kind::Follow,
                "follow".into(),
                event,
                actor,
                Subject::Person(actor),
            );
            vec![plan.to(vec![subject_id])]
        }
        "group.join_requested" => {
            let managers = groups::access::manager_ids(conn, subject_id)?;
            let key = format!("join_request:group:{subject_id}");
            let mut plan =
                Plan::new(Kind::JoinRequest, key, event, actor, Subject::Group).to(managers);
            plan.note.group_id = Some(subject_id);
            vec![plan]
        }
        "invitation.accepted" => {
            let sponsor = payload["sponsor_id"].as_i64().into_iter().collect();
            let key = format!("invitation_accepted:group:{subject_id}");
            let mut plan =
                Plan::new(Kind::InvitationAccepted, key, event, actor, Subject::Group).to(sponsor);
            plan.note.group_id = Some(subject_id);
            vec![plan]
        }
        _ => Vec::new(),
    };
    Ok(plans)
}

/// A live comment and its live post.
fn comment_and_post(
    conn: &mut DbConnection,
    comment_id: i64,
) -> Result<Option<(posts::Comment, posts::Post)>> {
    let Some(comment) = posts::access::comment_for_signals(conn, comment_id)? else {
        return Ok(None);
    };
    Ok(posts::access::post_for_signals(conn, comment.post_id)?.map(|post| (comment, post)))
}

/// Records `plan` for those who may and want to hear of it, and emails those who asked for
/// email; returns who was told.
fn deliver(conn: &mut DbConnection, public_url: &str, plan: &Plan) -> Result<Vec<i64>> {
    let note = &plan.note;
    let mut users = audience::who_may_hear(conn, note.actor, &plan.candidates, plan.subject)?;
    if let (true, Some(post)) = (note.kind.mutable(), note.post_id) {
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let muted = preferences::muted_among(conn, post, &ids)?;
        users.retain(|u| !muted.contains(&u.id));
    }
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let deliveries = preferences::deliveries(conn, note.kind, &ids)?;
    let wanted = |user: &User| deliveries.get(&user.id).copied().unwrap_or(Delivery::Off);
    users.retain(|u| wanted(u).in_app());
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let told = notifications::record(conn, note, &ids)?;
    let emailed: Vec<&User> = users
        .iter()
        .filter(|u| wanted(u) == Delivery::Email && told.contains(&u.id))
        .collect();
    if !emailed.is_empty() {
        email(conn, public_url, plan, &emailed)?;
    }
    Ok(told)
}

/// Queues the emails of `plan` for `recipients`, in the notifier's transaction, and records
/// the post as met so digests leave it out.
fn email(
    conn: &mut DbConnection,
    public_url: &str,
    plan: &Plan,
    recipients: &[&User],
) -> Result<()> {
    let note = &plan.note;
    let actor = accounts::access::users_by_id(conn, &[note.actor])?
        .remove(&note.actor)
        .map(|u| u.name)
        .unwrap_or_else(|| "Someone".into());
    let group = match note.group_id {
        Some(id) => groups::access::group_by_id(conn, id)?.map(|g| g.name),
        None => None,
    };
    let base = public_url.trim_end_matches('/');
    let link = match (note.post_id, note.comment_id, note.group_id) {
        (Some(post), Some(comment), _) => format!("{base}/posts/{post}#comment-{comment}"),
        (Some(post), None, _) => format!("{base}/posts/{post}"),
        (None, _, Some(group)) => format!("{base}/groups/{group}"),
        (None, _, None) => format!("{base}/people/{}", note.actor),
    };
    let settings = format!("{base}/settings/notifications");
    for user in recipients {
        let mine = plan.post_author == Some(user.id);
        let sentence = views::sentence(note.kind, &actor, 0, mine, group.as_deref());
        let mail = letters::notification(&Letter {
            to: &user.email,
            sentence: &sentence,
            quote: plan.quote.as_deref(),
            link: &link,
            settings: &settings,
        });
        mail::enqueue(conn, &mail.about_group(note.group_id))?;
        if let Some(post) = note.post_id {
            seen::record(conn, user.id, &[post], How::Email)?;
        }
    }
    Ok(())
}

/// The ids told by a `notification.created` event.
pub fn recipients_of(event: &Event) -> Vec<i64> {
    let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    payload["recipients"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Whether the notifier has applied every event so far: for tests and benchmarks that wait
/// for it.
pub fn caught_up(conn: &mut DbConnection) -> Result<bool> {
    let cursor = events::load_cursor(conn, CONSUMER)?;
    let last = events::last_id(conn)?;
    Ok(cursor >= last || only_own_events_after(conn, cursor)?)
}

/// True when every event after `cursor` is the notifier's own (which it reads past next time).
fn only_own_events_after(conn: &mut DbConnection, cursor: i64) -> Result<bool> {
    use crate::db::schema::events as log;
    let others: i64 = log::table
        .filter(log::id.gt(cursor))
        .filter(log::kind.ne(CREATED))
        .count()
        .get_result(conn)?;
    Ok(others == 0)
}

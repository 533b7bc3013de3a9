//! The notifier: a consumer of the events log that turns what happened into notifications,
//! and emails those its recipients want at once.
//!
//! It keeps its own cursor, moved in the transaction that writes the notifications and queues
//! the emails, so a crash or restart neither loses nor repeats any. Each would-be recipient is
//! checked against the access policy (`audience`), their settings and mutes; nobody hears of
//! their own action, deactivated users never. For each event that told someone, it appends an
//! [`Event::NotificationCreated`] naming the recipients, which the live hub sends to those
//! recipients only.

use diesel::prelude::*;

use super::audience::{self, Subject};
use super::letters::{self, Letter};
use super::notifications::{self, Note};
use super::preferences::{self, Delivery, Kind};
use super::seen::{self, How};
use super::views;
use crate::accounts::{self, User};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events::{self, CommentLike, Event, PostLike, Recorded};
use crate::groups;
use crate::ids::{CommentId, GroupId, UserId};
use crate::mail;
use crate::posts;
use crate::workers::{Appended, Consumed, Consumer, consume_batch};

/// The notifier's name in `event_cursors`.
pub const CONSUMER: &str = "notifier";
/// Events applied in one transaction.
const BATCH: i64 = 200;

/// The notifier as a consumer of the log; links in its emails start with `public_url`.
#[derive(Debug)]
pub struct Notifier {
    pub public_url: String,
}

impl Consumer for Notifier {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    fn batch_size(&self) -> i64 {
        BATCH
    }

    fn apply(&self, conn: &mut DbConnection, events: &[Recorded]) -> Result<Appended> {
        let mut appended = false;
        for recorded in events {
            let recipients = apply(conn, &self.public_url, recorded)?;
            if !recipients.is_empty() {
                let told = Event::NotificationCreated {
                    by: recorded.event.actor(),
                    recipients,
                    event_id: recorded.id,
                };
                events::append(conn, &told)?;
                appended = true;
            }
        }
        Ok(Appended(appended))
    }
}

/// Applies the next batch of events after the notifier's cursor, with the events committed so
/// far given their ids first (no sequencer worker runs here): for the demo, and tests that
/// run it by hand.
pub fn run_once(db: &Db, public_url: &str) -> Result<Consumed> {
    db.read(events::sequence)?;
    let notifier = Notifier {
        public_url: public_url.to_string(),
    };
    consume_batch(db, &notifier)
}

/// Notifies whoever `recorded` concerns; returns who was told.
pub fn apply(
    conn: &mut DbConnection,
    public_url: &str,
    recorded: &Recorded,
) -> Result<Vec<UserId>> {
    let mut told = Vec::new();
    for plan in plans(conn, recorded)? {
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
    candidates: Vec<UserId>,
    subject: Subject,
    /// The post's author, to say "your post".
    post_author: Option<UserId>,
    /// The text an email quotes.
    quote: Option<String>,
    /// Emailed whatever the recipients chose (announcements that must be read).
    must_email: bool,
}

impl Plan {
    fn new(kind: Kind, key: String, recorded: &Recorded, actor: UserId, subject: Subject) -> Plan {
        Plan {
            note: Note {
                kind,
                key,
                actor,
                post_id: None,
                comment_id: None,
                group_id: None,
                event_id: recorded.id,
                at: recorded.at,
            },
            candidates: Vec::new(),
            subject,
            post_author: None,
            quote: None,
            must_email: false,
        }
    }

    /// The same plan about `post` (and `comment`), quoting `quote`.
    fn about(mut self, post: &posts::Post, comment: Option<CommentId>, quote: &str) -> Plan {
        self.note.post_id = Some(post.id);
        self.note.comment_id = comment;
        self.note.group_id = post.group_id;
        self.post_author = Some(post.author_id);
        self.quote = Some(views::excerpt(quote));
        self
    }

    /// The same plan about `group`.
    fn in_group(mut self, group: GroupId) -> Plan {
        self.note.group_id = Some(group);
        self
    }

    fn to(mut self, candidates: Vec<UserId>) -> Plan {
        self.candidates = candidates;
        self
    }
}

/// What `recorded` gives rise to. A mention wins over the comment or group post of the same
/// event, so nobody hears twice of one thing.
fn plans(conn: &mut DbConnection, recorded: &Recorded) -> Result<Vec<Plan>> {
    let content = |group_id, employees_only| Subject::Content {
        group_id,
        employees_only,
    };
    let plans = match &recorded.event {
        Event::PostCreated {
            author,
            post,
            quiet,
            ..
        } => {
            let Some(post) = posts::system::post_for_signals(conn, *post)? else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only);
            let mut plans = vec![];
            // An announcement goes to its whole audience, quiet or not, and stands for the
            // group post and mentions of the same post, so nobody hears twice.
            if let Some(announcement) = posts::announcements::of(conn, post.id)? {
                let audience = posts::announcements::audience(conn, &announcement)?;
                let outside: Vec<UserId> = posts::system::mentioned_in(conn, post.id, None)?
                    .into_iter()
                    .filter(|m| !audience.contains(m))
                    .collect();
                let key = format!("announcement:post:{}", post.id);
                let mut plan = Plan::new(Kind::Announcement, key, recorded, *author, about)
                    .about(&post, None, &post.body)
                    .to(audience);
                plan.must_email = announcement.must_read;
                // Those it mentions outside its audience still hear of the mention.
                let key = format!("mention:post:{}", post.id);
                let mentions = Plan::new(Kind::Mention, key, recorded, *author, about)
                    .about(&post, None, &post.body)
                    .to(outside);
                return Ok(vec![plan, mentions]);
            }
            if *quiet {
                return Ok(Vec::new());
            }
            let mentioned = posts::system::mentioned_in(conn, post.id, None)?;
            if let Some(group) = post.group_id {
                let members = groups::system::each_post_member_ids(conn, group)?;
                let members = members
                    .into_iter()
                    .filter(|m| !mentioned.contains(m))
                    .collect();
                let key = format!("group_post:post:{}", post.id);
                plans.push(
                    Plan::new(Kind::GroupPost, key, recorded, *author, about)
                        .about(&post, None, &post.body)
                        .to(members),
                );
            }
            let key = format!("mention:post:{}", post.id);
            plans.push(
                Plan::new(Kind::Mention, key, recorded, *author, about)
                    .about(&post, None, &post.body)
                    .to(mentioned),
            );
            plans
        }
        Event::CommentCreated {
            author, comment, ..
        } => {
            let Some((comment, post)) = comment_and_post(conn, *comment)? else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only || comment.employees_only);
            let mentioned = posts::system::mentioned_in(conn, post.id, Some(comment.id))?;
            let thread = posts::system::thread_participants(conn, &post, comment.id)?;
            let thread = thread
                .into_iter()
                .filter(|p| !mentioned.contains(p))
                .collect();
            let key = format!("comment:post:{}", post.id);
            let comments = Plan::new(Kind::Comment, key, recorded, *author, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(thread);
            let key = format!("mention:comment:{}", comment.id);
            let mentions = Plan::new(Kind::Mention, key, recorded, *author, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(mentioned);
            vec![comments, mentions]
        }
        Event::PostLiked(PostLike { liker, post, .. }) => {
            let Some(post) = posts::system::post_for_signals(conn, *post)? else {
                return Ok(Vec::new());
            };
            let key = format!("like:post:{}", post.id);
            let about = content(post.group_id, post.employees_only);
            let author = vec![post.author_id];
            vec![
                Plan::new(Kind::Like, key, recorded, *liker, about)
                    .about(&post, None, &post.body)
                    .to(author),
            ]
        }
        Event::CommentLiked(CommentLike { liker, comment, .. }) => {
            let Some((comment, post)) = comment_and_post(conn, *comment)? else {
                return Ok(Vec::new());
            };
            let about = content(post.group_id, post.employees_only || comment.employees_only);
            let key = format!("like:comment:{}", comment.id);
            let mut plan = Plan::new(Kind::Like, key, recorded, *liker, about)
                .about(&post, Some(comment.id), &comment.body)
                .to(vec![comment.author_id]);
            // "your comment", not "your post".
            plan.post_author = None;
            vec![plan]
        }
        Event::UserFollowed { follower, user } => {
            let about = Subject::Person(*follower);
            let plan = Plan::new(Kind::Follow, "follow".into(), recorded, *follower, about);
            vec![plan.to(vec![*user])]
        }
        Event::GroupJoinRequested { requester, group } => {
            let managers = groups::system::manager_ids(conn, *group)?;
            let key = format!("join_request:group:{group}");
            let plan = Plan::new(Kind::JoinRequest, key, recorded, *requester, Subject::Group);
            vec![plan.in_group(*group).to(managers)]
        }
        Event::InvitationAccepted {
            guest,
            group,
            sponsor_id,
            ..
        } => {
            let key = format!("invitation_accepted:group:{group}");
            let plan = Plan::new(
                Kind::InvitationAccepted,
                key,
                recorded,
                *guest,
                Subject::Group,
            );
            vec![plan.in_group(*group).to(vec![*sponsor_id])]
        }
        // Told of nothing: quiet posts, changes and removals, and what concerns nobody else.
        Event::PostEdited(_)
        | Event::PostDeleted(_)
        | Event::BestAnswerChanged(_)
        | Event::PostPreviewed(_)
        | Event::CommentPreviewed(_)
        | Event::PollVoted(_)
        | Event::PollClosed(_)
        | Event::PostUnliked(_)
        | Event::CommentEdited(_)
        | Event::CommentDeleted(_)
        | Event::CommentUnliked(_)
        | Event::UserCreated { .. }
        | Event::UserUpdated { .. }
        | Event::UserDeactivated { .. }
        | Event::SessionRevoked { .. }
        | Event::TokenRevoked { .. }
        | Event::UserSignedOut { .. }
        | Event::UserUnfollowed { .. }
        | Event::TagFollowed { .. }
        | Event::TagUnfollowed { .. }
        | Event::GroupCreated { .. }
        | Event::GroupUpdated { .. }
        | Event::GroupJoined { .. }
        | Event::GroupRoleChanged(_)
        | Event::GroupMemberAdded(_)
        | Event::GroupMemberRemoved(_)
        | Event::InvitationCreated { .. }
        | Event::EmailFrequencyChanged { .. }
        | Event::NotificationCreated { .. } => Vec::new(),
    };
    Ok(plans)
}

/// A live comment and its live post.
fn comment_and_post(
    conn: &mut DbConnection,
    comment_id: CommentId,
) -> Result<Option<(posts::Comment, posts::Post)>> {
    let Some(comment) = posts::system::comment_for_signals(conn, comment_id)? else {
        return Ok(None);
    };
    Ok(posts::system::post_for_signals(conn, comment.post_id)?.map(|post| (comment, post)))
}

/// Records `plan` for those who may and want to hear of it, and emails those who asked for
/// email; returns who was told.
fn deliver(conn: &mut DbConnection, public_url: &str, plan: &Plan) -> Result<Vec<UserId>> {
    let note = &plan.note;
    let mut users = audience::who_may_hear(conn, note.actor, &plan.candidates, plan.subject)?;
    if let (true, Some(post)) = (note.kind.mutable(), note.post_id) {
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        let muted = preferences::muted_among(conn, post, &ids)?;
        users.retain(|u| !muted.contains(&u.id));
    }
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let deliveries = preferences::deliveries(conn, note.kind, &ids)?;
    let wanted = |user: &User| match plan.must_email {
        true => Delivery::Email,
        false => deliveries.get(&user.id).copied().unwrap_or(Delivery::Off),
    };
    users.retain(|u| wanted(u).in_app());
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let told = notifications::record(conn, note, &ids)?;
    let emailed: Vec<&User> = users
        .iter()
        // Bots have no mailbox: they are told in the app only.
        .filter(|u| u.kind() != crate::accounts::UserKind::Bot)
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
    let actor = accounts::system::users_by_id(conn, &[note.actor])?
        .remove(&note.actor)
        .map(|u| u.marked_name())
        .unwrap_or_else(|| "Someone".into());
    let group = match note.group_id {
        Some(id) => groups::system::group_by_id(conn, id)?.map(|g| g.name),
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
        })?;
        mail::enqueue(conn, &mail.about_group(note.group_id))?;
        if let Some(post) = note.post_id {
            seen::record(conn, user.id, &[post], How::Email)?;
        }
    }
    Ok(())
}

/// Whether the notifier has applied every event so far: for tests and benchmarks that wait
/// for it.
/// Call it outside a transaction: it gives waiting events their ids first.
pub fn caught_up(conn: &mut DbConnection) -> Result<bool> {
    let last = events::sequence(conn)?.head;
    let cursor = events::load_cursor(conn, CONSUMER)?;
    Ok(cursor >= last || only_own_events_after(conn, cursor)?)
}

/// True when every event after `cursor` is the notifier's own (which it reads past next time).
fn only_own_events_after(conn: &mut DbConnection, cursor: i64) -> Result<bool> {
    use crate::db::schema::events as log;
    let own = Event::NotificationCreated {
        by: None,
        recipients: Vec::new(),
        event_id: 0,
    }
    .kind();
    let others: i64 = log::table
        .filter(log::id.gt(cursor))
        .filter(log::kind.ne(own))
        .count()
        .get_result(conn)?;
    Ok(others == 0)
}

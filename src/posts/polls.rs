//! Polls: a post may carry one. Its options are fixed when the post is made; each reader
//! votes (one option, or several where the author allowed it) and may change or take back her
//! vote until the poll closes. Counts are recounted from the vote rows in the transaction
//! that changes them, so they stay exact. When results show is the author's choice: to whoever
//! voted, or to everyone once the poll closes (to everyone once closed, either way).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::expression_methods::AggregateExpressionMethods;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::access;
use super::model::Post;
use crate::access::Scope;
use crate::accounts::{self, UserView, access::Circle};
use crate::clock;
use crate::db::one_of::one_of;
use crate::db::schema::{poll_options, poll_votes, polls};
use crate::db::{DbConnection, new_id};
use crate::error::{Error, ErrorCode, Result, invalid};
use crate::events::{self, Event, PollVote};
use crate::ids::{PostId, UserId};
use crate::on_backend;

/// Fewest and most options of a poll.
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 10;
/// Longest option, in characters.
pub const MAX_OPTION: usize = 100;
/// Voters named per option, at most, in a named poll's results.
const NAMED_VOTERS: usize = 20;

/// When a poll's results show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultsAfter {
    /// To whoever voted, and to everyone once closed.
    #[default]
    Vote,
    /// To everyone, once closed; nobody sees a tally before.
    Close,
}

impl ResultsAfter {
    fn as_str(self) -> &'static str {
        match self {
            ResultsAfter::Vote => "vote",
            ResultsAfter::Close => "close",
        }
    }

    fn parse(raw: &str) -> ResultsAfter {
        match raw {
            "close" => ResultsAfter::Close,
            _ => ResultsAfter::Vote,
        }
    }
}

/// A poll to put on a new post.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoll {
    /// 2 to 10 options, each non-empty, at most 100 characters, no two alike.
    pub options: Vec<String>,
    /// Whether a reader may choose several options.
    #[serde(default)]
    pub multiple: bool,
    /// Whether who voted for what stays unknown to everyone.
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub results: ResultsAfter,
    /// When voting ends; none: open until the post goes.
    pub closes_at: Option<DateTime<Utc>>,
}

/// A poll as a reader sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PollView {
    pub options: Vec<PollOptionView>,
    pub multiple: bool,
    pub anonymous: bool,
    pub results: ResultsAfter,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed: bool,
    /// Whether this reader sees the tally now.
    pub results_visible: bool,
    /// How many people voted, when the results are visible.
    pub voter_count: Option<i64>,
    /// Whether this reader voted.
    pub voted: bool,
}

/// One option of a poll.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PollOptionView {
    pub id: String,
    pub label: String,
    /// Its votes, when the results are visible.
    pub votes: Option<i64>,
    pub chosen_by_me: bool,
    /// In a named poll with visible results: some of those who chose it (the reader may see).
    pub voters: Vec<UserView>,
}

impl PollView {
    /// Whether results wait for the poll to close.
    pub fn results_at_close(&self) -> bool {
        self.results == ResultsAfter::Close
    }

    /// The share of voters who chose `option`, in whole percent (0 when nobody voted).
    pub fn percent(&self, option: &PollOptionView) -> i64 {
        match (option.votes, self.voter_count) {
            (Some(votes), Some(total)) if total > 0 => votes * 100 / total,
            _ => 0,
        }
    }

    /// The poll as plain text, for Atom entries and digests: the tally where this reader may
    /// see it, else the options.
    pub fn as_text(&self) -> String {
        let options: Vec<String> = self
            .options
            .iter()
            .map(|o| match o.votes {
                Some(votes) => format!("{}: {votes}", o.label),
                None => o.label.clone(),
            })
            .collect();
        let state = match (self.closed, self.voter_count) {
            (true, Some(n)) => format!("closed, {n} voted"),
            (false, Some(n)) => format!("{n} voted so far"),
            (_, None) => "results after you vote".to_string(),
        };
        format!("Poll ({state}): {}", options.join(" · "))
    }
}

/// The option labels of `poll`, trimmed, or why they are refused.
pub(super) fn check(poll: &NewPoll) -> Result<Vec<String>> {
    let labels: Vec<String> = poll.options.iter().map(|o| o.trim().to_string()).collect();
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&labels.len()) {
        return Err(invalid(
            "poll.options",
            format!("a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options"),
        ));
    }
    let mut seen = HashSet::new();
    for (n, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err(invalid(
                "poll.options",
                format!("option {} is empty", n + 1),
            ));
        }
        if label.chars().count() > MAX_OPTION {
            return Err(invalid(
                "poll.options",
                format!("option {} is longer than {MAX_OPTION} characters", n + 1),
            ));
        }
        if !seen.insert(label.to_lowercase()) {
            return Err(invalid(
                "poll.options",
                format!("\"{label}\" is there twice"),
            ));
        }
    }
    if poll
        .closes_at
        .is_some_and(|at| at.naive_utc() <= clock::now())
    {
        return Err(invalid(
            "poll.closes_at",
            "choose a closing time in the future",
        ));
    }
    Ok(labels)
}

/// Puts `poll` (checked into `labels`) on post `post_id`, in the post's transaction.
pub(super) fn create(
    conn: &mut DbConnection,
    post_id: PostId,
    poll: &NewPoll,
    labels: &[String],
) -> Result<()> {
    diesel::insert_into(polls::table)
        .values((
            polls::post_id.eq(post_id),
            polls::multiple.eq(poll.multiple),
            polls::anonymous.eq(poll.anonymous),
            polls::results_after.eq(poll.results.as_str()),
            polls::closes_at.eq(poll.closes_at.map(|at| at.naive_utc())),
        ))
        .execute(conn)?;
    for (position, label) in labels.iter().enumerate() {
        diesel::insert_into(poll_options::table)
            .values((
                poll_options::id.eq(new_id()),
                poll_options::post_id.eq(post_id),
                poll_options::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                poll_options::label.eq(label),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A poll row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = polls)]
struct Poll {
    post_id: PostId,
    multiple: bool,
    anonymous: bool,
    results_after: String,
    closes_at: Option<NaiveDateTime>,
    voter_count: i64,
}

impl Poll {
    fn closed(&self, now: NaiveDateTime) -> bool {
        self.closes_at.is_some_and(|at| at <= now)
    }
}

/// Sets the viewer's vote in the poll of post `id` to `choice` (option ids); an empty choice
/// takes her vote back. Refused: a post without a poll, a closed poll, an archived group,
/// several options where one is allowed, and options of another poll.
pub fn vote(conn: &mut DbConnection, scope: &Scope, id: PostId, choice: &[i64]) -> Result<()> {
    let post = access::visible_post(conn, scope, id)?;
    let me = scope.viewer().require_user()?.id;
    let poll: Poll = polls::table
        .find(post.id)
        .select(Poll::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::conflict(ErrorCode::NotAPoll, "this post has no poll"))?;
    if poll.closed(clock::now()) {
        return Err(Error::conflict(
            ErrorCode::PollClosed,
            "this poll has closed",
        ));
    }
    if let Some(group) = post.group_id
        && crate::groups::access::visible_group(conn, scope, group)?.is_archived()
    {
        return Err(Error::conflict(
            ErrorCode::GroupArchived,
            "this group is archived",
        ));
    }
    let wanted: HashSet<i64> = choice.iter().copied().collect();
    if wanted.len() > 1 && !poll.multiple {
        return Err(invalid("option_ids", "this poll takes one option"));
    }
    let options: HashSet<i64> = poll_options::table
        .filter(poll_options::post_id.eq(post.id))
        .select(poll_options::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    if !wanted.is_subset(&options) {
        return Err(invalid("option_ids", "choose among this poll's options"));
    }
    diesel::delete(
        poll_votes::table
            .filter(poll_votes::post_id.eq(post.id))
            .filter(poll_votes::user_id.eq(me))
            .filter(poll_votes::option_id.ne_all(wanted.iter().copied().collect::<Vec<_>>())),
    )
    .execute(conn)?;
    let now = clock::now();
    for option in &wanted {
        let row = (
            poll_votes::option_id.eq(*option),
            poll_votes::user_id.eq(me),
            poll_votes::post_id.eq(post.id),
            poll_votes::created_at.eq(now),
        );
        on_backend!(conn, |inner| diesel::insert_into(poll_votes::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(inner))?;
    }
    recount(conn, post.id)?;
    let vote = PollVote {
        voter: me,
        post: post.id,
        group_id: post.group_id,
        employees_only: post.employees_only,
    };
    events::append(conn, &Event::PollVoted(vote))?;
    Ok(())
}

/// Sets the poll's counts from its vote rows.
fn recount(conn: &mut DbConnection, post_id: PostId) -> Result<()> {
    let tally: HashMap<i64, i64> = poll_votes::table
        .filter(poll_votes::post_id.eq(post_id))
        .group_by(poll_votes::option_id)
        .select((poll_votes::option_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let options: Vec<i64> = poll_options::table
        .filter(poll_options::post_id.eq(post_id))
        .select(poll_options::id)
        .load(conn)?;
    for option in options {
        diesel::update(poll_options::table.find(option))
            .set(poll_options::vote_count.eq(tally.get(&option).copied().unwrap_or(0)))
            .execute(conn)?;
    }
    let voters: i64 = poll_votes::table
        .filter(poll_votes::post_id.eq(post_id))
        .select(diesel::dsl::count(poll_votes::user_id).aggregate_distinct())
        .first(conn)?;
    diesel::update(polls::table.find(post_id))
        .set(polls::voter_count.eq(voters))
        .execute(conn)?;
    Ok(())
}

/// The polls of `posts` (all readable by the viewer, whose circle is `circle`) as she sees
/// them, by post. Polls, options and her own votes come in one round trip, since every feed
/// page asks.
pub fn views(
    conn: &mut DbConnection,
    scope: &Scope,
    circle: &Circle,
    posts: &[Post],
) -> Result<HashMap<PostId, PollView>> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let me = scope.viewer().user_id();
    let rows: Vec<(Poll, i64, String, i64, Option<i64>)> = poll_options::table
        .inner_join(polls::table.on(polls::post_id.eq(poll_options::post_id)))
        .left_join(
            poll_votes::table.on(poll_votes::option_id
                .eq(poll_options::id)
                .and(poll_votes::user_id.nullable().eq(me))),
        )
        // Both sides bounded by the page, so PostgreSQL walks two indexes rather than hashing
        // every poll.
        .filter(one_of(poll_options::post_id, ids.clone()))
        .filter(one_of(polls::post_id, ids))
        .order((poll_options::post_id, poll_options::position))
        .select((
            Poll::as_select(),
            poll_options::id,
            poll_options::label,
            poll_options::vote_count,
            poll_votes::option_id.nullable(),
        ))
        .load(conn)?;
    let mut polls: Vec<(Poll, Vec<Choice>)> = Vec::new();
    for (poll, id, label, votes, mine) in rows {
        let choice = Choice {
            id,
            label,
            votes,
            chosen: mine.is_some(),
        };
        match polls.last_mut() {
            Some((last, choices)) if last.post_id == poll.post_id => choices.push(choice),
            _ => polls.push((poll, vec![choice])),
        }
    }
    let now = clock::now();
    let visible = |poll: &Poll, choices: &[Choice]| {
        poll.closed(now)
            || (ResultsAfter::parse(&poll.results_after) == ResultsAfter::Vote
                && choices.iter().any(|c| c.chosen))
    };
    let named: Vec<PostId> = polls
        .iter()
        .filter(|(poll, choices)| !poll.anonymous && visible(poll, choices))
        .map(|(poll, _)| poll.post_id)
        .collect();
    let mut voters = named_voters(conn, scope, circle, &named)?;
    Ok(polls
        .into_iter()
        .map(|(poll, choices)| {
            let shown = visible(&poll, &choices);
            let view = PollView {
                voted: choices.iter().any(|c| c.chosen),
                options: choices
                    .into_iter()
                    .map(|c| PollOptionView {
                        id: c.id.to_string(),
                        voters: voters.remove(&c.id).unwrap_or_default(),
                        label: c.label,
                        votes: shown.then_some(c.votes),
                        chosen_by_me: c.chosen,
                    })
                    .collect(),
                multiple: poll.multiple,
                anonymous: poll.anonymous,
                results: ResultsAfter::parse(&poll.results_after),
                closes_at: poll.closes_at.map(|at| at.and_utc()),
                closed: poll.closed(now),
                results_visible: shown,
                voter_count: shown.then_some(poll.voter_count),
            };
            (poll.post_id, view)
        })
        .collect())
}

/// One option of a poll as read for a viewer.
struct Choice {
    id: i64,
    label: String,
    votes: i64,
    chosen: bool,
}

/// Of the named polls `post_ids`, the first voters of each option whom the viewer may see.
fn named_voters(
    conn: &mut DbConnection,
    scope: &Scope,
    circle: &Circle,
    post_ids: &[PostId],
) -> Result<HashMap<i64, Vec<UserView>>> {
    if post_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, UserId)> = poll_votes::table
        .filter(one_of(poll_votes::post_id, post_ids))
        .order(poll_votes::created_at.asc())
        // Bounded per page, however popular its polls.
        .limit(i64::try_from(NAMED_VOTERS * MAX_OPTIONS * post_ids.len()).unwrap_or(i64::MAX))
        .select((poll_votes::option_id, poll_votes::user_id))
        .load(conn)?;
    let people: Vec<UserId> = rows.iter().map(|r| r.1).collect();
    let cards = accounts::access::cards(conn, scope, circle, &people)?;
    let mut voters: HashMap<i64, Vec<UserView>> = HashMap::new();
    for (option, user) in rows {
        let list = voters.entry(option).or_default();
        if list.len() < NAMED_VOTERS
            && let Some(card) = cards.get(&user)
        {
            list.push(card.clone());
        }
    }
    Ok(voters)
}

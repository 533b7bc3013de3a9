//! Three months of the demo company's life: planned from a fixed seed, then played through
//! the app's own actions, each at its moment in the story (see [`clock::travel`]), so that
//! feeds, trending tags, search, digests and notifications all have a past to show.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::cast::{self, GROUPS, GUESTS, PEOPLE};
use super::story::{self, COMPANY, EDITS, LAUNCH_POSTS, NEWS, TALK, THREADS};
use crate::access::Scope;
use crate::clock;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::ids::{CommentId, GroupId, PostId};
use crate::posts::actions::{self as posts, NewPost};
use crate::posts::comments;

/// Days of history before today.
pub const DAYS: i64 = 90;
/// The story's seed: the same seed tells the same story, whatever the date.
const SEED: u64 = 0x00a9_07a0;

/// One thing someone does at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Act {
    pub at: NaiveDateTime,
    pub who: &'static str,
    pub what: What,
}

/// What is done; posts and comments are numbered in the order the plan made them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    Post {
        n: usize,
        venue: &'static str,
        body: String,
    },
    Comment {
        n: usize,
        post: usize,
        body: String,
    },
    LikePost(usize),
    LikeComment(usize),
    Edit {
        post: usize,
        line: &'static str,
    },
}

/// The story from `DAYS` days before `today` to the end of `today`, in time order.
pub fn plan(today: NaiveDate) -> Vec<Act> {
    let mut planner = Planner {
        rng: StdRng::seed_from_u64(SEED),
        acts: Vec::new(),
        posts: 0,
        comments: 0,
    };
    for offset in 0..=DAYS {
        let day = today - Duration::days(DAYS - offset);
        // How far along the story is, 0 to 1: the launch is talked about more as it nears.
        let progress = offset as f64 / DAYS as f64;
        for _ in 0..planner.rng.gen_range(2..=6) {
            planner.ordinary_post(day);
        }
        // In the last week the launch is news every day, whatever the hour the demo is
        // filled at: it must lead the week's tags.
        let final_week = DAYS - offset <= 7;
        for _ in 0..2 {
            let drawn = planner.rng.gen_bool(0.05 + 0.6 * progress.powi(3));
            if drawn || final_week {
                let venue = *[COMPANY, "Engineering", cast::BETA]
                    .choose(&mut planner.rng)
                    .unwrap_or(&COMPANY);
                let line = planner.pick(LAUNCH_POSTS);
                planner.post(day, venue, line, ("the launch", "launch"));
            }
        }
        if offset % 14 == 7 {
            let line = planner.pick(NEWS);
            planner.post(day, cast::ANNOUNCEMENTS, line, ("", "announcements"));
        }
    }
    for thread in THREADS {
        planner.thread(today, thread);
    }
    let mut acts = planner.acts;
    acts.sort_by_key(|act| act.at);
    acts
}

struct Planner {
    rng: StdRng,
    acts: Vec<Act>,
    posts: usize,
    comments: usize,
}

impl Planner {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items
            .choose(&mut self.rng)
            .unwrap_or_else(|| unreachable!("story lists are not empty"))
    }

    /// A post of an ordinary day in a place drawn by weight, about one of its subjects.
    fn ordinary_post(&mut self, day: NaiveDate) {
        let total: u32 = TALK.iter().map(|t| t.weight).sum();
        let mut draw = self.rng.gen_range(0..total);
        let talk = TALK
            .iter()
            .find(|t| {
                let hit = draw < t.weight;
                draw = draw.saturating_sub(t.weight);
                hit
            })
            .unwrap_or(&TALK[0]);
        let line = self.pick(talk.posts);
        let subject = self.pick(talk.subjects);
        self.post(day, talk.venue, line, subject);
    }

    /// A post in `venue` on `day` from `line`, with its comments, likes and perhaps an edit.
    fn post(&mut self, day: NaiveDate, venue: &'static str, line: &str, subject: (&str, &str)) {
        let people = members(venue);
        let author = match venue {
            cast::ANNOUNCEMENTS => "daniel",
            _ => self.pick(&people),
        };
        let at =
            day.and_time(NaiveTime::MIN) + Duration::minutes(self.rng.gen_range(8 * 60..18 * 60));
        let body = self.fill(line, subject, author, &people);
        let n = self.posts;
        self.posts += 1;
        self.acts.push(Act {
            at,
            who: author,
            what: What::Post { n, venue, body },
        });
        let replies = TALK
            .iter()
            .find(|t| t.venue == venue)
            .map_or(TALK[1].replies, |t| t.replies);
        let mut later = at;
        for _ in 0..self.rng.gen_range(0..=4) {
            later += Duration::minutes(self.rng.gen_range(5..240));
            let commenter = self.pick(&people);
            let mut reply = self.pick(replies).to_string();
            if commenter != author && self.rng.gen_bool(0.2) {
                reply = format!("@{author} {reply}");
            }
            self.comment(later, commenter, n, reply, &people);
        }
        let likers = self.rng.gen_range(0..=people.len().min(9));
        let likers: Vec<&str> = people
            .choose_multiple(&mut self.rng, likers)
            .copied()
            .collect();
        for liker in likers {
            let at = at + Duration::minutes(self.rng.gen_range(1..720));
            if liker != author {
                self.push(at, liker, What::LikePost(n));
            }
        }
        if self.rng.gen_bool(0.08) {
            let line = self.pick(EDITS);
            let at = at + Duration::minutes(self.rng.gen_range(10..90));
            self.push(at, author, What::Edit { post: n, line });
        }
    }

    /// A comment, liked now and then by someone of the post's place, `people`.
    fn comment(
        &mut self,
        at: NaiveDateTime,
        who: &'static str,
        post: usize,
        body: String,
        people: &[&'static str],
    ) {
        let n = self.comments;
        self.comments += 1;
        self.push(at, who, What::Comment { n, post, body });
        if self.rng.gen_bool(0.25) {
            let liker = self.pick(people);
            if liker != who {
                let at = at + Duration::minutes(self.rng.gen_range(1..120));
                self.push(at, liker, What::LikeComment(n));
            }
        }
    }

    /// A hand-written thread, on its day before `today`.
    fn thread(&mut self, today: NaiveDate, thread: &story::Thread) {
        let (days_ago, author, venue, body, replies, likers) = *thread;
        let at = (today - Duration::days(days_ago)).and_time(NaiveTime::MIN)
            + Duration::minutes(self.rng.gen_range(8 * 60..11 * 60));
        let people = members(venue);
        let n = self.posts;
        self.posts += 1;
        let what = What::Post {
            n,
            venue,
            body: body.to_string(),
        };
        self.push(at, author, what);
        for (k, (who, text)) in (1..).zip(replies.iter()) {
            let at = at + Duration::minutes(20 * k);
            self.comment(at, who, n, text.to_string(), &people);
        }
        for (k, who) in (1..).zip(likers.iter()) {
            self.push(at + Duration::minutes(7 * k), who, What::LikePost(n));
        }
    }

    fn push(&mut self, at: NaiveDateTime, who: &'static str, what: What) {
        self.acts.push(Act { at, who, what });
    }

    /// `line` with its blanks filled: a colleague other than `author`, the subject, a number.
    fn fill(
        &mut self,
        line: &str,
        (what, tag): (&str, &str),
        author: &str,
        people: &[&str],
    ) -> String {
        let others: Vec<&str> = people.iter().copied().filter(|p| *p != author).collect();
        let who = format!("@{}", self.pick(&others));
        let n = self.rng.gen_range(2..40).to_string();
        line.replace("{who}", &who)
            .replace("{what}", what)
            .replace("{tag}", tag)
            .replace("{n}", &n)
    }
}

/// Everyone who may post in `venue`: its owner and members (and guests, in the beta group);
/// everyone employed, on the company feed.
fn members(venue: &str) -> Vec<&'static str> {
    match GROUPS.iter().find(|g| g.name == venue) {
        Some(group) => {
            let guests = GUESTS.iter().map(|(_, handle)| *handle);
            let mut people = vec![group.owner];
            people.extend(group.members);
            if group.allow_guests {
                people.extend(guests);
            }
            people
        }
        None => PEOPLE.iter().map(|p| p.handle).collect(),
    }
}

/// The demo company as the player needs it: each person's scope by handle, and the groups
/// by name.
pub struct Company {
    pub scopes: HashMap<&'static str, Scope>,
    pub groups: HashMap<&'static str, GroupId>,
}

/// How much of the story was played.
#[derive(Debug, Default)]
pub struct Played {
    pub posts: usize,
    pub comments: usize,
    pub likes: usize,
    pub edits: usize,
}

/// Plays acts of a plan, in order, remembering what its posts and comments became.
pub struct Player<'a> {
    company: &'a Company,
    posts: HashMap<usize, (PostId, String)>,
    comments: HashMap<usize, CommentId>,
    pub played: Played,
}

impl<'a> Player<'a> {
    pub fn new(company: &'a Company) -> Player<'a> {
        Player {
            company,
            posts: HashMap::new(),
            comments: HashMap::new(),
            played: Played::default(),
        }
    }

    /// Does `act` as its person at its time. An act about a post or comment this player did
    /// not write (a story started mid-thread) is skipped.
    pub fn play(&mut self, conn: &mut DbConnection, act: &Act) -> Result<()> {
        let scope = self
            .company
            .scopes
            .get(act.who)
            .ok_or_else(|| Error::internal(format!("no demo person {}", act.who)))?;
        clock::travel(act.at, || match &act.what {
            What::Post { n, venue, body } => {
                let input = NewPost {
                    body: body.clone(),
                    group_id: self.company.groups.get(venue).map(|id| id.to_string()),
                    quiet: false,
                    employees_only: false,
                    // What the story asks is asked as a question.
                    question: body.trim_end().ends_with('?'),
                    poll: None,
                    announcement: None,
                    attachments: Vec::new(),
                    shared_post_id: None,
                };
                let written = posts::create_post(conn, scope, &Default::default(), &input)?;
                self.posts.insert(*n, (written.id, body.clone()));
                self.played.posts += 1;
                Ok(())
            }
            What::Comment { n, post, body } => {
                let Some((id, _)) = self.posts.get(post) else {
                    return Ok(());
                };
                let written =
                    comments::add_comment(conn, scope, &Default::default(), *id, body, false, &[])?;
                self.comments.insert(*n, written.id);
                self.played.comments += 1;
                Ok(())
            }
            What::LikePost(post) => {
                let Some((id, _)) = self.posts.get(post) else {
                    return Ok(());
                };
                posts::set_post_like(conn, scope, *id, true)?;
                self.played.likes += 1;
                Ok(())
            }
            What::LikeComment(comment) => {
                let Some(id) = self.comments.get(comment) else {
                    return Ok(());
                };
                comments::set_comment_like(conn, scope, *id, true)?;
                self.played.likes += 1;
                Ok(())
            }
            What::Edit { post, line } => {
                let Some((id, body)) = self.posts.get(post) else {
                    return Ok(());
                };
                posts::edit_post(
                    conn,
                    scope,
                    &Default::default(),
                    *id,
                    &format!("{body}\n\n_{line}_"),
                )?;
                self.played.edits += 1;
                Ok(())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn the_same_seed_tells_the_same_story_on_any_day() {
        let bodies = |acts: Vec<Act>| -> Vec<(&str, What)> {
            acts.into_iter().map(|a| (a.who, a.what)).collect()
        };
        let first = plan(day("2026-03-02"));
        assert_eq!(first, plan(day("2026-03-02")));
        assert_eq!(bodies(first.clone()), bodies(plan(day("2026-11-20"))));
        let posts = first
            .iter()
            .filter(|a| matches!(a.what, What::Post { .. }))
            .count();
        assert!((200..700).contains(&posts), "a few hundred posts: {posts}");
        assert!(
            first.windows(2).all(|w| w[0].at <= w[1].at),
            "in time order"
        );
    }

    #[test]
    fn the_launch_is_talked_about_more_towards_the_end() {
        let acts = plan(day("2026-03-02"));
        let launch_posts = |from: i64, to: i64| {
            acts.iter()
                .filter(|a| a.at.date() > day("2026-03-02") - Duration::days(from))
                .filter(|a| a.at.date() <= day("2026-03-02") - Duration::days(to))
                .filter(|a| matches!(&a.what, What::Post { body, .. } if body.contains("#launch")))
                .count()
        };
        // Per day, the last week talks of the launch several times as much as the first two
        // months did.
        let (last_week, first_months) = (launch_posts(7, 0), launch_posts(90, 30));
        assert!(
            last_week * 60 > 3 * first_months * 7 && last_week >= 5,
            "{last_week} in the last week, {first_months} in the first two months"
        );
    }

    #[test]
    fn posts_go_where_their_authors_may_post() {
        for act in plan(day("2026-03-02")) {
            if let What::Post { venue, .. } = act.what {
                let allowed = match venue {
                    cast::ANNOUNCEMENTS => vec!["daniel"],
                    _ => members(venue),
                };
                assert!(allowed.contains(&act.who), "{} in {venue}", act.who);
            }
        }
    }
}

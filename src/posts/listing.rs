//! How a feed lists its posts: which (all, questions, the unanswered) and in what order
//! (latest, recent activity, top over a window), with the keyset cursor that pages each
//! order. A cursor names the last post shown by its place in the order, so the next page
//! starts right after it: no post twice while the order holds, however many are added.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::model::Post;
use super::queries::PostFilter;
use crate::clock;
use crate::cursor;
use crate::db::schema::posts;
use crate::error::{Result, invalid};
use crate::ids::PostId;

/// Which posts of a feed to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Show {
    #[default]
    All,
    /// Questions only.
    Questions,
    /// Questions without a best answer.
    Unanswered,
}

impl Show {
    /// Reads the API's and pages' `?show=` (`all`, `questions`, `unanswered`).
    pub fn parse(raw: Option<&str>) -> Result<Show> {
        match raw.unwrap_or("all") {
            "all" | "" => Ok(Show::All),
            "questions" => Ok(Show::Questions),
            "unanswered" => Ok(Show::Unanswered),
            _ => Err(invalid("show", "use all, questions or unanswered")),
        }
    }

    /// The condition on posts, if any.
    pub(super) fn filter(self) -> Option<PostFilter> {
        match self {
            Show::All => None,
            Show::Questions => Some(Box::new(posts::question.eq(true))),
            Show::Unanswered => Some(Box::new(
                posts::question
                    .eq(true)
                    .and(posts::best_answer_id.is_null()),
            )),
        }
    }
}

/// How far back "top" looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Day,
    Week,
    Month,
    All,
}

impl Window {
    /// The oldest post it takes, if any bound.
    pub(super) fn since(self) -> Option<NaiveDateTime> {
        let days = match self {
            Window::Day => 1,
            Window::Week => 7,
            Window::Month => 30,
            Window::All => return None,
        };
        Some(clock::now() - Duration::days(days))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
            Window::All => "all",
        }
    }
}

/// A feed's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest post first.
    #[default]
    Latest,
    /// Most recently made or commented on first (for guests: comments they may read).
    Activity,
    /// Most likes plus comments first, among posts made within the window; ties newest first.
    Top(Window),
}

impl Sort {
    /// Reads `?sort=` (`latest`, `activity`, `top`) and, for `top`, `?window=` (`day`, `week`
    /// (the default), `month`, `all`).
    pub fn parse(sort: Option<&str>, window: Option<&str>) -> Result<Sort> {
        let window = match window.unwrap_or("week") {
            "day" => Window::Day,
            "week" | "" => Window::Week,
            "month" => Window::Month,
            "all" => Window::All,
            _ => return Err(invalid("window", "use day, week, month or all")),
        };
        match sort.unwrap_or("latest") {
            "latest" | "" => Ok(Sort::Latest),
            "activity" => Ok(Sort::Activity),
            "top" => Ok(Sort::Top(window)),
            _ => Err(invalid("sort", "use latest, activity or top")),
        }
    }

    /// The cursor after `post` in this order, as a reader of `class` sees it.
    pub fn cursor_after(self, post: &Post, guest: bool) -> String {
        match self {
            Sort::Latest => cursor::encode("p", post.id),
            Sort::Activity => cursor::encode_at(activity_of(post, guest), post.id),
            Sort::Top(_) => cursor::encode(&score_of(post, guest).to_string(), post.id),
        }
    }

    /// Reads a cursor this order made.
    pub fn after(self, raw: &str) -> Result<After> {
        Ok(match self {
            Sort::Latest => After::Latest(cursor::decode::<PostId>(raw)?.1),
            Sort::Activity => {
                let (at, id) = cursor::decode_at::<PostId>(raw)?;
                After::Activity(at, id)
            }
            Sort::Top(_) => {
                let (score, id) = cursor::decode::<PostId>(raw)?;
                let score = score.parse().map_err(|_| bad_cursor())?;
                After::Top(score, id)
            }
        })
    }
}

fn bad_cursor() -> crate::error::Error {
    invalid("cursor", "this cursor belongs to another order of the feed")
}

/// What a feed page asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub show: Show,
    pub sort: Sort,
}

/// Where a page starts: right after this post's place in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    Latest(PostId),
    Activity(NaiveDateTime, PostId),
    Top(i64, PostId),
}

/// When the post last had activity a reader of this class may see.
fn activity_of(post: &Post, guest: bool) -> NaiveDateTime {
    if guest {
        post.open_activity_at
    } else {
        post.activity_at
    }
}

/// Its likes plus the comments a reader of this class may see.
fn score_of(post: &Post, guest: bool) -> i64 {
    let comments = if guest {
        post.open_comment_count
    } else {
        post.comment_count
    };
    post.like_count + comments
}

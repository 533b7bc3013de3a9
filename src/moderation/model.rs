//! Rows of `reports` and the words they are made of.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::reports;
use crate::ids::{CommentId, GroupId, PostId, ReportId, UserId};

/// A report row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: ReportId,
    pub post_id: PostId,
    /// The comment reported; none: the post itself.
    pub comment_id: Option<CommentId>,
    /// Where the item lives; none: the company feed.
    pub group_id: Option<GroupId>,
    pub author_id: UserId,
    pub reporter_id: UserId,
    pub reason: String,
    pub note: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<UserId>,
    pub outcome: Option<String>,
    pub sanction: Option<String>,
    /// The moderator's words to the author.
    pub message: Option<String>,
}

impl Report {
    /// What was reported.
    pub fn item(&self) -> Item {
        match self.comment_id {
            Some(id) => Item::Comment(id),
            None => Item::Post(self.post_id),
        }
    }
}

/// What can be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Post(PostId),
    Comment(CommentId),
}

/// Declares a closed set of words with their stored and wire names.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every one, in the order forms list them.
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }

            /// The one named `word`.
            pub fn parse(word: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|w| w.as_str() == word)
            }
        }
    };
}

words!(
    /// Why a reader reports something.
    Reason {
        /// Advertising, scams, the same thing posted again and again.
        Spam => "spam",
        /// Harassment, bullying or hate aimed at people.
        Harassment => "harassment",
        /// Content that breaks the company's rules of conduct.
        Inappropriate => "inappropriate",
        /// Confidential information shared where it should not be.
        Confidential => "confidential",
        /// Anything else; the note says what.
        Other => "other",
    }
);

words!(
    /// What a moderator does with the reported item.
    Action {
        /// Leave it as it is.
        Dismiss => "dismiss",
        /// Take it off every surface; its author still sees it, with the moderator's reason.
        Hide => "hide",
        /// Delete it.
        Delete => "delete",
    }
);

words!(
    /// What a site admin may also do to the item's author.
    Sanction {
        /// Tell her by email, with the moderator's words.
        Warn => "warn",
        /// Deactivate her account: every session and token ends.
        Suspend => "suspend",
    }
);

words!(
    /// How a report ended.
    Outcome {
        /// A moderator left the item as it was.
        Dismissed => "dismissed",
        /// A moderator hid it.
        Hidden => "hidden",
        /// A moderator deleted it.
        Deleted => "deleted",
        /// Its author (or a moderator outside the queue) deleted it first.
        Removed => "removed",
    }
);

impl Action {
    /// The outcome of reports decided with this action.
    pub fn outcome(self) -> Outcome {
        match self {
            Action::Dismiss => Outcome::Dismissed,
            Action::Hide => Outcome::Hidden,
            Action::Delete => Outcome::Deleted,
        }
    }
}

//! What a reader is shown: each suggestion with the reason it is made, in words, and the
//! counts behind the words for clients that word it their own way.

use serde::Serialize;

use crate::accounts::UserView;
use crate::groups::GroupView;

/// A person to follow.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PersonSuggestion {
    pub user: UserView,
    /// Why, in words: "followed by 3 people you follow · in 2 of your groups".
    pub reason: String,
    /// How many of the people the reader follows follow her.
    pub followed_by: i64,
    /// How many of the reader's groups (of a few hundred members at most) she is in too.
    pub shared_groups: i64,
    /// She works in the reader's department.
    pub same_department: bool,
}

/// A group to join (always a public one).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupSuggestion {
    pub group: GroupView,
    /// Why, in words: "5 people you follow are members · active this week in your department".
    pub reason: String,
    /// How many people the reader follows are members.
    pub followed_members: i64,
    /// Posts in it this week by people of the reader's department.
    pub department_posts: i64,
}

/// A tag to follow.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TagSuggestion {
    /// The tag, lower-case, without `#`.
    pub name: String,
    /// Why, in words: "trending in Engineering".
    pub reason: String,
    /// Posts this week carrying it, where the reason says, among those the reader may read.
    pub uses: i64,
}

/// Everything suggested to one reader, best first in each list.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Recommendations {
    pub people: Vec<PersonSuggestion>,
    pub groups: Vec<GroupSuggestion>,
    pub tags: Vec<TagSuggestion>,
}

impl Recommendations {
    /// True when there is nothing to suggest.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.groups.is_empty() && self.tags.is_empty()
    }
}

/// `n` and the noun fitting it: "1 person", "3 people".
fn people(n: i64) -> String {
    match n {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    }
}

/// The reason a person is suggested, strongest signal first.
pub(super) fn person_reason(followed_by: i64, shared_groups: i64, same_department: bool) -> String {
    let mut parts = Vec::new();
    if followed_by > 0 {
        parts.push(format!("followed by {} you follow", people(followed_by)));
    }
    if shared_groups > 0 {
        parts.push(format!("in {shared_groups} of your groups"));
    }
    if same_department {
        parts.push("same department".to_string());
    }
    parts.join(" · ")
}

/// The reason a group is suggested.
pub(super) fn group_reason(followed_members: i64, department_posts: i64) -> String {
    let mut parts = Vec::new();
    match followed_members {
        0 => {}
        1 => parts.push("1 person you follow is a member".to_string()),
        n => parts.push(format!("{n} people you follow are members")),
    }
    if department_posts > 0 {
        parts.push("active this week in your department".to_string());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            person_reason(3, 2, true),
            "followed by 3 people you follow · in 2 of your groups · same department"
        );
        assert_eq!(
            person_reason(1, 0, false),
            "followed by 1 person you follow"
        );
        assert_eq!(person_reason(0, 0, true), "same department");
        assert_eq!(
            group_reason(5, 4),
            "5 people you follow are members · active this week in your department"
        );
        assert_eq!(group_reason(1, 0), "1 person you follow is a member");
        assert_eq!(group_reason(0, 2), "active this week in your department");
    }
}

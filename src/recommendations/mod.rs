//! Recommendations that say why: people to follow, groups to join and tags to follow, each
//! with the reason it is suggested. Computed on the fly for each reader from her `Scope`, by
//! a few bounded aggregates (see `queries`), so nothing is stored but what she dismissed.
//!
//! Invariants: nothing is suggested that the viewer could not open herself (every candidate
//! passes the policy: people through her circle, groups through `Scope::sees_group`, tag
//! counts only over posts she reads); only public groups are suggested, since every reason
//! about a private group (who is in it, how busy it is) is kept from non-members; a guest is
//! suggested nothing outside her groups; never herself, never what she already follows or
//! belongs to, never what she dismissed. Dismissals are hers alone and tell no event.

pub mod access;
pub mod actions;
pub mod cache;
mod queries;
pub mod views;

pub use views::{GroupSuggestion, PersonSuggestion, Recommendations, TagSuggestion};

/// What a recommendation (and a dismissal) is about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Person,
    Group,
    Tag,
}

impl Kind {
    /// The name stored and spoken in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Group => "group",
            Kind::Tag => "tag",
        }
    }

    /// The kind named `name`; 422 for any other.
    pub fn parse(name: &str) -> crate::error::Result<Kind> {
        match name {
            "person" => Ok(Kind::Person),
            "group" => Ok(Kind::Group),
            "tag" => Ok(Kind::Tag),
            _ => Err(crate::error::invalid(
                "kind",
                "a recommendation is of a person, a group or a tag",
            )),
        }
    }
}

/// How many of each kind to suggest.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub people: usize,
    pub groups: usize,
    pub tags: usize,
}

impl Limits {
    /// The home page's side rail: a few of each.
    pub const RAIL: Limits = Limits::each(3);

    /// `n` of each kind.
    pub const fn each(n: usize) -> Limits {
        Limits {
            people: n,
            groups: n,
            tags: n,
        }
    }
}

//! Rows of `groups` and `memberships`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::groups;
use crate::ids::{GroupId, UserId};

/// Who may find and read a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Every employee reads and joins.
    Public,
    /// Employees see name, description and member count, and may ask to join.
    Private,
    /// Does not exist for non-members.
    Secret,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Secret => "secret",
        }
    }

    /// Unknown stored values read as the most restrictive.
    pub fn parse(stored: &str) -> Visibility {
        match stored {
            "public" => Visibility::Public,
            "private" => Visibility::Private,
            _ => Visibility::Secret,
        }
    }
}

/// A member's role in a group, strongest first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Unknown stored values read as the weakest role.
    pub fn parse(stored: &str) -> Role {
        match stored {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::Member,
        }
    }

    /// Owners and admins manage members and moderate posts.
    pub fn manages(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// A group row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = groups)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub visibility: String,
    pub allow_guests: bool,
    pub member_count: i64,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub archived_at: Option<NaiveDateTime>,
    /// Only the group's owners and admins post (an announcements group).
    pub broadcast: bool,
    /// In a broadcast group, whether members comment on its posts.
    pub members_comment: bool,
}

impl Group {
    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.visibility)
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// The case-folded form of a name, for uniqueness.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

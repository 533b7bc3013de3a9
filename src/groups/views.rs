//! What handlers and templates get of a group.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{Group, Role, Visibility};
use crate::access::Viewer;
use crate::accounts::{User, UserView};

/// A group as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub allow_guests: bool,
    /// Only owners and admins post.
    pub broadcast: bool,
    /// In a broadcast group, whether members comment.
    pub members_comment: bool,
    pub member_count: i64,
    /// The viewer's role, if a member.
    pub my_role: Option<Role>,
    pub archived: bool,
    /// Guests are among the members: people outside the company read it.
    pub has_guests: bool,
    pub created_at: DateTime<Utc>,
}

impl GroupView {
    pub fn of(group: &Group, my_role: Option<Role>, has_guests: bool) -> GroupView {
        GroupView {
            id: group.id.to_string(),
            name: group.name.clone(),
            description: group.description.clone(),
            visibility: group.visibility(),
            allow_guests: group.allow_guests,
            broadcast: group.broadcast,
            members_comment: group.members_comment,
            member_count: group.member_count,
            my_role,
            archived: group.is_archived(),
            has_guests,
            created_at: group.created_at.and_utc(),
        }
    }
}

/// A member of a group.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    #[serde(flatten)]
    pub user: UserView,
    pub role: Role,
}

impl MemberView {
    pub fn of(user: &User, viewer: &Viewer, role: Role) -> MemberView {
        MemberView {
            user: UserView::of(user, viewer),
            role,
        }
    }
}

//! The access policy: who the viewer is, and what they may see and do. Every read path asks
//! here (directly, or through its area's `access.rs`), so that a guest or a non-member sees
//! nothing of what they shouldn't.

use std::collections::HashMap;

use crate::accounts::UserKind;
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::groups::{self, Group, Role, Visibility};

/// The person behind a request, resolved once per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Not signed in.
    Anonymous,
    /// A signed-in, active user.
    User(Principal),
}

/// A signed-in user as the policy needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub id: i64,
    pub kind: UserKind,
}

impl Viewer {
    /// The signed-in user, or 401.
    pub fn require_user(&self) -> Result<&Principal> {
        match self {
            Viewer::User(principal) => Ok(principal),
            Viewer::Anonymous => Err(Error::unauthenticated()),
        }
    }

    /// An admin, or 403 (401 when not signed in).
    pub fn require_admin(&self) -> Result<&Principal> {
        let principal = self.require_user()?;
        if principal.kind == UserKind::Admin {
            Ok(principal)
        } else {
            Err(Error::forbidden(
                "admin_only",
                "only administrators may do this",
            ))
        }
    }

    /// The user's id when signed in.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Viewer::User(principal) => Some(principal.id),
            Viewer::Anonymous => None,
        }
    }

    /// True for admins.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Viewer::User(Principal {
                kind: UserKind::Admin,
                ..
            })
        )
    }

    /// True for guests.
    pub fn is_guest(&self) -> bool {
        matches!(
            self,
            Viewer::User(Principal {
                kind: UserKind::Guest,
                ..
            })
        )
    }
}

/// Whether `viewer` may read the email address of user `user_id`: only themselves and admins.
pub fn may_see_email(viewer: &Viewer, user_id: i64) -> bool {
    viewer.is_admin() || viewer.user_id() == Some(user_id)
}

/// What a viewer may read, computed once per request from current memberships, so joining or
/// leaving a group changes what they see at once.
#[derive(Clone, Debug)]
pub struct Scope {
    pub viewer: Viewer,
    /// The viewer's groups and their role in each.
    pub roles: HashMap<i64, Role>,
    /// Every group whose posts the viewer may read: their own groups, plus public groups for
    /// employees and admins. Sorted.
    pub readable: Vec<i64>,
    /// The public groups among them. Sorted.
    pub public: Vec<i64>,
}

impl Scope {
    /// The scope of `viewer`.
    pub fn resolve(conn: &mut DbConnection, viewer: &Viewer) -> Result<Scope> {
        let Viewer::User(principal) = viewer else {
            return Ok(Scope {
                viewer: Viewer::Anonymous,
                roles: HashMap::new(),
                readable: Vec::new(),
                public: Vec::new(),
            });
        };
        let mut roles = groups::access::roles_of(conn, principal.id)?;
        if principal.kind == UserKind::Guest {
            // The guest wall: a guest manages nothing, whatever role a row may carry.
            roles.values_mut().for_each(|role| *role = Role::Member);
        }
        let mut readable: Vec<i64> = roles.keys().copied().collect();
        let mut public = Vec::new();
        if principal.kind != UserKind::Guest {
            public = groups::access::public_group_ids(conn)?;
            public.sort_unstable();
            readable.extend(&public);
        }
        readable.sort_unstable();
        readable.dedup();
        Ok(Scope {
            viewer: viewer.clone(),
            roles,
            readable,
            public,
        })
    }

    /// The public groups the viewer reads: what the company feed shows besides company posts.
    pub fn public_readable(&self) -> Vec<i64> {
        if self.reads_company() {
            self.public.clone()
        } else {
            Vec::new()
        }
    }

    /// Employees and admins read the company feed; guests and the anonymous do not.
    pub fn reads_company(&self) -> bool {
        matches!(&self.viewer, Viewer::User(p) if p.kind != UserKind::Guest)
    }

    /// The viewer's role in `group_id`, if a member.
    pub fn role_in(&self, group_id: i64) -> Option<Role> {
        self.roles.get(&group_id).copied()
    }

    /// Whether the viewer may read a post in `group_id` (`None`: the company feed).
    pub fn reads_posts_in(&self, group_id: Option<i64>) -> bool {
        match group_id {
            None => self.reads_company(),
            Some(id) => self.readable.binary_search(&id).is_ok(),
        }
    }

    /// Whether the viewer may read a post in `group_id` marked (or not) for employees only.
    pub fn reads_post(&self, group_id: Option<i64>, employees_only: bool) -> bool {
        self.reads_posts_in(group_id) && !(employees_only && self.viewer.is_guest())
    }

    /// Whether the group exists for the viewer: members always; employees also for public and
    /// private groups; secret groups never for non-members; guests only for their own.
    pub fn sees_group(&self, group: &Group) -> bool {
        self.sees_group_with(group.id, group.visibility())
    }

    /// [`Scope::sees_group`] for a group known by its id and visibility.
    pub fn sees_group_with(&self, id: i64, visibility: Visibility) -> bool {
        self.roles.contains_key(&id) || (self.reads_company() && visibility != Visibility::Secret)
    }

    /// Whether the viewer may post in `group` (or the company feed for `None`).
    pub fn posts_in(&self, group: Option<&Group>) -> bool {
        match group {
            None => self.reads_company(),
            Some(group) => self.roles.contains_key(&group.id) && !group.is_archived(),
        }
    }

    /// Whether the viewer may moderate content in `group_id`: group owners and admins, and
    /// site admins for anything they can read.
    pub fn moderates(&self, group_id: Option<i64>) -> bool {
        if self.viewer.is_admin() && self.reads_posts_in(group_id) {
            return true;
        }
        group_id
            .and_then(|id| self.role_in(id))
            .is_some_and(Role::manages)
    }
}

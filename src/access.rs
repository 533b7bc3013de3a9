//! The access policy: who the viewer is, and what they may see and do. Every read path asks
//! here (directly, or through its area's `access.rs`), so that a guest or a non-member sees
//! nothing of what they shouldn't.

use crate::accounts::UserKind;
use crate::error::{Error, Result};

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

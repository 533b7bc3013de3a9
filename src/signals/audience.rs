//! Who may be told of something: the access policy asked for each would-be recipient, so that
//! nobody is notified (or emailed) of what they may not read.

use std::collections::HashMap;

use crate::access::Scope;
use crate::accounts::{self, User};
use crate::db::DbConnection;
use crate::error::{ErrorKind, Result};
use crate::groups::{self, Visibility};
use crate::ids::{GroupId, UserId};

/// What a notification tells of, as far as the policy cares.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    /// A post in `group_id` (`None`: the company feed), or a comment on it; `employees_only`
    /// for a comment guests may not see.
    Content {
        group_id: Option<GroupId>,
        employees_only: bool,
    },
    /// A person (a new follower): the recipient must be allowed to see them.
    Person(UserId),
    /// Something about a group the recipient manages or sponsored (join requests, accepted
    /// invitations): its members and sponsors already see it.
    Group,
}

/// The active users among `candidates`, other than `actor`, who may be told of `subject`.
pub fn who_may_hear(
    conn: &mut DbConnection,
    actor: UserId,
    candidates: &[UserId],
    subject: Subject,
) -> Result<Vec<User>> {
    let mut ids: Vec<UserId> = candidates
        .iter()
        .copied()
        .filter(|&id| id != actor)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut users: Vec<User> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let found = accounts::system::users_by_id(conn, chunk)?;
        users.extend(found.into_values().filter(User::is_active));
    }
    users.sort_unstable_by_key(|u| u.id);
    match subject {
        Subject::Content {
            group_id,
            employees_only,
        } => {
            let scopes = ContentScopes::load(conn, group_id, &users)?;
            users.retain(|user| scopes.of(user).reads_post(group_id, employees_only));
        }
        Subject::Person(person) => {
            let mut allowed = Vec::with_capacity(users.len());
            for user in users {
                let scope = Scope::resolve(conn, &user.viewer())?;
                match accounts::access::visible_user(conn, &scope, person) {
                    Ok(_) => allowed.push(user),
                    Err(error) if error.kind == ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
            users = allowed;
        }
        Subject::Group => {}
    }
    Ok(users)
}

/// Each candidate's scope as far as one group goes: the same [`Scope`] the policy resolves
/// per request, restricted to the group in question, read for all candidates in one query so
/// that a post to a group of thousands is checked in one go.
struct ContentScopes {
    group_id: Option<GroupId>,
    public: bool,
    roles: HashMap<UserId, groups::Role>,
}

impl ContentScopes {
    fn load(conn: &mut DbConnection, group_id: Option<GroupId>, users: &[User]) -> Result<Self> {
        let (public, roles) = match group_id {
            None => (false, HashMap::new()),
            Some(id) => {
                let visibility = groups::system::group_by_id(conn, id)?
                    .map(|g| g.visibility())
                    .unwrap_or(Visibility::Secret);
                let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
                (
                    visibility == Visibility::Public,
                    groups::system::roles_among(conn, id, &ids)?,
                )
            }
        };
        Ok(ContentScopes {
            group_id,
            public,
            roles,
        })
    }

    /// `user`'s scope as far as the group goes, by the policy's own rule.
    fn of(&self, user: &User) -> Scope {
        let (roles, public) = match self.group_id {
            None => (HashMap::new(), Vec::new()),
            Some(group) => (
                self.roles
                    .get(&user.id)
                    .map(|role| HashMap::from([(group, *role)]))
                    .unwrap_or_default(),
                if self.public { vec![group] } else { Vec::new() },
            ),
        };
        Scope::of(user.viewer(), roles, public)
    }
}

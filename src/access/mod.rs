//! The access policy: who the viewer is, and what they may see and do. Every read path asks
//! here (directly, or through its area's `access.rs`), so that a guest or a non-member sees
//! nothing of what they shouldn't.

pub mod remembered;

use std::collections::HashMap;
use std::sync::Arc;

use crate::accounts::UserKind;
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result};
use crate::follows::{self, Follows};
use crate::groups::{self, Group, Role, Visibility};
use crate::ids::{GroupId, UserId};

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
    pub id: UserId,
    pub kind: UserKind,
    /// The groups the credential of this request is limited to (a bot's token), sorted; the
    /// scope keeps only these of the user's groups. `None`: no limit beyond the user's own.
    pub limit: Option<Vec<GroupId>>,
}

impl Principal {
    /// `id` of `kind`, with no credential limit.
    pub fn new(id: UserId, kind: UserKind) -> Principal {
        Principal {
            id,
            kind,
            limit: None,
        }
    }
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
                ErrorCode::AdminOnly,
                "only administrators may do this",
            ))
        }
    }

    /// The user's id when signed in.
    pub fn user_id(&self) -> Option<UserId> {
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

    /// True for guests and bots, who see only their own groups: see [`UserKind::is_walled`].
    pub fn is_walled(&self) -> bool {
        matches!(self, Viewer::User(principal) if principal.kind.is_walled())
    }
}

/// Whether `viewer` may read the email address of user `user_id`: only themselves and admins.
pub fn may_see_email(viewer: &Viewer, user_id: UserId) -> bool {
    viewer.is_admin() || viewer.user_id() == Some(user_id)
}

/// What a viewer may read, computed once per request from current memberships, so joining or
/// leaving a group changes what they see at once. Its parts are private: a scope is made only
/// by the policy's rule ([`Scope::of`]), never put together by hand.
#[derive(Clone, Debug)]
pub struct Scope {
    viewer: Viewer,
    /// The viewer's groups and their role in each.
    roles: HashMap<GroupId, Role>,
    /// Every group whose posts the viewer may read: their own groups, plus public groups for
    /// employees and admins. Sorted.
    readable: Vec<GroupId>,
    /// The public groups among them. Sorted.
    public: Vec<GroupId>,
    /// Where what the viewer's requests read again and again (her follows, her circle) is
    /// remembered, when the scope came from there.
    memory: Option<Memory>,
}

/// The remembered inputs a scope came from, and the stamps they were read under.
#[derive(Clone)]
struct Memory(Arc<remembered::Remembered>, remembered::AccessStamp);

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({:?})", self.1)
    }
}

/// Viewers who see the same of any post they may all read: see [`Scope::reader_class`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderClass {
    /// Employees and admins.
    Employees,
    /// Guests and bots: the walled, who never see what is for employees only.
    Guests,
}

impl Scope {
    /// The scope of `viewer`, from their memberships and the public groups.
    pub fn resolve(conn: &mut DbConnection, viewer: &Viewer) -> Result<Scope> {
        let Viewer::User(principal) = viewer else {
            return Ok(Scope::unresolved(Viewer::Anonymous));
        };
        let roles = groups::system::roles_of(conn, principal.id)?;
        let public = match principal.kind {
            UserKind::Guest | UserKind::Bot => Vec::new(),
            UserKind::Employee | UserKind::Admin => groups::system::public_group_ids(conn)?,
        };
        Ok(Scope::of(viewer.clone(), roles, public))
    }

    /// The rule: a viewer reads the posts of the groups she belongs to (`roles`), and, unless
    /// she is a guest or a bot (or anonymous), of the `public` groups. A credential limited
    /// to some groups (a bot's token) keeps only those of her groups. Callers that know only
    /// part of the picture (one group's members and visibility) pass that part and get the
    /// same answers for it.
    pub fn of(viewer: Viewer, mut roles: HashMap<GroupId, Role>, public: Vec<GroupId>) -> Scope {
        let mut scope = Scope::unresolved(viewer);
        let Viewer::User(principal) = scope.viewer() else {
            return scope;
        };
        if let Some(limit) = &principal.limit {
            roles.retain(|id, _| limit.binary_search(id).is_ok());
        }
        scope.readable = roles.keys().copied().collect();
        scope.roles = roles;
        if scope.viewer().is_walled() {
            // The guest wall: a guest or a bot manages nothing, whatever role a row may carry.
            scope
                .roles
                .values_mut()
                .for_each(|role| *role = Role::Member);
        }
        if scope.reads_company() {
            scope.public = public;
            scope.public.sort_unstable();
            scope.public.dedup();
            scope.readable.extend(&scope.public);
        }
        scope.readable.sort_unstable();
        scope.readable.dedup();
        scope
    }

    /// `viewer` with nothing readable yet: a live stream's scope before its first read.
    pub fn unresolved(viewer: Viewer) -> Scope {
        Scope {
            viewer,
            roles: HashMap::new(),
            readable: Vec::new(),
            public: Vec::new(),
            memory: None,
        }
    }

    /// The same scope, remembering the viewer's follows and circle in `remembered` under
    /// `stamp`.
    fn remembering(
        mut self,
        remembered: Arc<remembered::Remembered>,
        stamp: remembered::AccessStamp,
    ) -> Scope {
        self.memory = Some(Memory(remembered, stamp));
        self
    }

    /// Where what the scope came from is remembered, and under which stamps: for loaders of
    /// what the viewer's requests read again and again (her circle).
    pub fn memory(&self) -> Option<(&remembered::Remembered, remembered::AccessStamp)> {
        self.memory
            .as_ref()
            .map(|Memory(remembered, stamp)| (&**remembered, *stamp))
    }

    /// The people and tags the viewer follows (none when not signed in).
    pub fn follows(&self, conn: &mut DbConnection) -> Result<Arc<Follows>> {
        let Some(me) = self.viewer.user_id() else {
            return Ok(Arc::default());
        };
        match &self.memory {
            Some(Memory(remembered, stamp)) => remembered.follows(conn, me, *stamp),
            None => Ok(Arc::new(follows::of(conn, me)?)),
        }
    }

    /// The same scope keeping only what [`Scope::reads_posts_in`] and [`Scope::reader_class`]
    /// need: what a live stream holds, thousands at a time.
    pub fn for_posts_only(self) -> Scope {
        let mut readable = self.readable;
        readable.shrink_to_fit();
        Scope {
            viewer: self.viewer,
            roles: HashMap::new(),
            readable,
            public: Vec::new(),
            memory: None,
        }
    }

    /// Who the scope is for.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The groups the viewer belongs to (in no order).
    pub fn member_groups(&self) -> Vec<GroupId> {
        self.roles.keys().copied().collect()
    }

    /// Every group whose posts the viewer may read, sorted.
    pub fn readable_groups(&self) -> &[GroupId] {
        &self.readable
    }

    /// The class of readers the viewer belongs to for answers shared between viewers. Of a
    /// post every viewer may read, each class sees the same counts (guests never count
    /// comments for employees only), so an answer computed once may serve its class alone.
    pub fn reader_class(&self) -> ReaderClass {
        if self.viewer.is_walled() {
            ReaderClass::Guests
        } else {
            ReaderClass::Employees
        }
    }

    /// The public groups the viewer reads: what the company feed shows besides company posts.
    pub fn public_readable(&self) -> Vec<GroupId> {
        if self.reads_company() {
            self.public.clone()
        } else {
            Vec::new()
        }
    }

    /// Employees and admins read the company feed; guests, bots and the anonymous do not.
    pub fn reads_company(&self) -> bool {
        matches!(&self.viewer, Viewer::User(p) if p.kind.is_staff())
    }

    /// The viewer's role in `group_id`, if a member.
    pub fn role_in(&self, group_id: GroupId) -> Option<Role> {
        self.roles.get(&group_id).copied()
    }

    /// Whether the viewer may read a post in `group_id` (`None`: the company feed).
    pub fn reads_posts_in(&self, group_id: Option<GroupId>) -> bool {
        match group_id {
            None => self.reads_company(),
            Some(id) => self.readable.binary_search(&id).is_ok(),
        }
    }

    /// Whether the viewer may read a post in `group_id` marked (or not) for employees only.
    pub fn reads_post(&self, group_id: Option<GroupId>, employees_only: bool) -> bool {
        self.reads_posts_in(group_id) && !(employees_only && self.viewer.is_walled())
    }

    /// Whether the group exists for the viewer: members always; employees also for public and
    /// private groups; secret groups never for non-members; guests only for their own.
    pub fn sees_group(&self, group: &Group) -> bool {
        self.sees_group_with(group.id, group.visibility())
    }

    /// [`Scope::sees_group`] for a group known by its id and visibility.
    pub fn sees_group_with(&self, id: GroupId, visibility: Visibility) -> bool {
        self.roles.contains_key(&id) || (self.reads_company() && visibility != Visibility::Secret)
    }

    /// Whether the viewer may post in `group` (or the company feed for `None`): a member of
    /// a group that is not archived, and of a broadcast group one of its owners or admins.
    pub fn posts_in(&self, group: Option<&Group>) -> bool {
        match group {
            None => self.reads_company(),
            Some(group) => {
                let role = self.role_in(group.id);
                role.is_some()
                    && !group.is_archived()
                    && (!group.broadcast || role.is_some_and(Role::manages))
            }
        }
    }

    /// Whether the viewer may comment on a post she reads in `group` (`None`: the company
    /// feed): not in an archived group, and in a broadcast group closed to members' comments
    /// only as one of its owners or admins.
    pub fn comments_in(&self, group: Option<&Group>) -> bool {
        match group {
            None => true,
            Some(group) => {
                !group.is_archived()
                    && (!group.broadcast
                        || group.members_comment
                        || self.role_in(group.id).is_some_and(Role::manages))
            }
        }
    }

    /// Whether the viewer may moderate content in `group_id`: group owners and admins, and
    /// site admins for anything they can read.
    /// Whether the viewer may edit or delete what `author` wrote in `group_id`: her own, or
    /// what she moderates.
    pub fn may_change(&self, author: crate::ids::UserId, group_id: Option<GroupId>) -> bool {
        self.viewer.user_id() == Some(author) || self.moderates(group_id)
    }

    pub fn moderates(&self, group_id: Option<GroupId>) -> bool {
        if self.viewer.is_admin() && self.reads_posts_in(group_id) {
            return true;
        }
        group_id
            .and_then(|id| self.role_in(id))
            .is_some_and(Role::manages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: GroupId = GroupId(7);

    fn viewer(kind: Option<UserKind>) -> Viewer {
        match kind {
            None => Viewer::Anonymous,
            Some(kind) => Viewer::User(Principal::new(UserId(1), kind)),
        }
    }

    /// The scope `kind` has with `role` in the group of `visibility`, by the policy's rule.
    fn scope(kind: Option<UserKind>, visibility: Visibility, role: Option<Role>) -> Scope {
        let roles = role
            .map(|r| HashMap::from([(GROUP, r)]))
            .unwrap_or_default();
        let public = match visibility {
            Visibility::Public => vec![GROUP],
            Visibility::Private | Visibility::Secret => Vec::new(),
        };
        Scope::of(viewer(kind), roles, public)
    }

    fn group(
        visibility: Visibility,
        broadcast: bool,
        members_comment: bool,
        archived: bool,
    ) -> Group {
        let now = chrono::Utc::now().naive_utc();
        Group {
            id: GROUP,
            name: "Launch".into(),
            name_key: "launch".into(),
            description: String::new(),
            visibility: visibility.as_str().into(),
            allow_guests: true,
            member_count: 1,
            created_by: UserId(1),
            created_at: now,
            archived_at: archived.then_some(now),
            broadcast,
            members_comment,
        }
    }

    /// Every viewer kind × visibility × role × employees-only (and, for posting and
    /// commenting, the group's broadcast and archive settings), against the rules as the
    /// product states them (docs/guests.md, docs/microblog.md).
    #[test]
    fn the_policy_answers_every_combination_as_documented() {
        let kinds = [
            None,
            Some(UserKind::Employee),
            Some(UserKind::Admin),
            Some(UserKind::Guest),
            Some(UserKind::Bot),
        ];
        let roles = [
            None,
            Some(Role::Member),
            Some(Role::Admin),
            Some(Role::Owner),
        ];
        let visibilities = [Visibility::Public, Visibility::Private, Visibility::Secret];
        let mut checked = 0;
        for kind in kinds {
            let staff = matches!(kind, Some(UserKind::Employee | UserKind::Admin));
            // Guests and bots alike: the wall.
            let guest = kind.is_some_and(UserKind::is_walled);
            for visibility in visibilities {
                for role in roles {
                    // The anonymous belong to nothing.
                    let role = role.filter(|_| kind.is_some());
                    let scope = scope(kind, visibility, role);
                    let member = role.is_some();
                    let case = format!("{kind:?} {visibility:?} {role:?}");
                    for employees_only in [false, true] {
                        let reads = member && !(employees_only && guest)
                            || staff && visibility == Visibility::Public;
                        assert_eq!(
                            scope.reads_post(Some(GROUP), employees_only),
                            reads,
                            "reads_post {case} {employees_only}"
                        );
                        assert_eq!(
                            scope.reads_post(None, employees_only),
                            staff,
                            "company post {case}"
                        );
                        checked += 1;
                    }
                    let sees = member || staff && visibility != Visibility::Secret;
                    assert_eq!(
                        scope.sees_group_with(GROUP, visibility),
                        sees,
                        "sees_group {case}"
                    );
                    // The guest wall: a guest manages nothing, whatever her role.
                    let manages = matches!(role, Some(Role::Owner | Role::Admin)) && !guest;
                    let site_admin =
                        kind == Some(UserKind::Admin) && scope.reads_posts_in(Some(GROUP));
                    assert_eq!(
                        scope.moderates(Some(GROUP)),
                        manages || site_admin,
                        "moderates {case}"
                    );
                    for (broadcast, members_comment, archived) in [
                        (false, true, false),
                        (true, true, false),
                        (true, false, false),
                        (false, true, true),
                        (true, false, true),
                    ] {
                        let group = group(visibility, broadcast, members_comment, archived);
                        let case = format!(
                            "{case} broadcast {broadcast} members comment {members_comment} archived {archived}"
                        );
                        assert_eq!(
                            scope.posts_in(Some(&group)),
                            member && !archived && (!broadcast || manages),
                            "posts_in {case}"
                        );
                        assert_eq!(
                            scope.comments_in(Some(&group)),
                            !archived && (!broadcast || members_comment || manages),
                            "comments_in {case}"
                        );
                    }
                    assert_eq!(scope.reads_company(), staff, "company feed {case}");
                    let class = if guest {
                        ReaderClass::Guests
                    } else {
                        ReaderClass::Employees
                    };
                    assert_eq!(scope.reader_class(), class, "reader class {case}");
                    assert_eq!(
                        scope.member_groups().contains(&GROUP),
                        member,
                        "membership {case}"
                    );
                }
            }
        }
        assert_eq!(checked, 5 * 3 * 4 * 2);
    }

    #[test]
    fn a_limited_credential_keeps_only_its_groups() {
        const OTHER: GroupId = GroupId(8);
        let roles = HashMap::from([(GROUP, Role::Member), (OTHER, Role::Member)]);
        let mut principal = Principal::new(UserId(1), UserKind::Bot);
        principal.limit = Some(vec![OTHER]);
        let scope = Scope::of(Viewer::User(principal), roles.clone(), vec![GROUP]);
        assert_eq!(scope.readable_groups(), &[OTHER]);
        assert!(!scope.reads_posts_in(Some(GROUP)));
        assert!(scope.role_in(GROUP).is_none());
        let unlimited = Scope::of(viewer(Some(UserKind::Bot)), roles, vec![GROUP]);
        assert_eq!(unlimited.readable_groups(), &[GROUP, OTHER]);
        assert!(!unlimited.reads_company());
    }

    #[test]
    fn a_scope_kept_for_posts_only_answers_posts_the_same() {
        for visibility in [Visibility::Public, Visibility::Private] {
            let full = scope(Some(UserKind::Guest), visibility, Some(Role::Member));
            let slim = full.clone().for_posts_only();
            for employees_only in [false, true] {
                assert_eq!(
                    full.reads_post(Some(GROUP), employees_only),
                    slim.reads_post(Some(GROUP), employees_only)
                );
            }
            assert_eq!(full.reader_class(), slim.reader_class());
        }
    }
}

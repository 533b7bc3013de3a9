//! What a viewer's scope, circle and home feed are built from — her roles in her groups, the
//! public groups, the guests she does not work with, the people and tags she follows, and
//! which groups have guests — remembered between her requests, so that a feed does not read
//! them again on every page.
//!
//! Nothing here can go stale: database triggers bump the user's `access_version` on any change
//! to her memberships or follows, and `access_epoch` on any change to which groups are public,
//! who is a guest, or a guest's groups, in the transaction that makes the change (migration
//! `2026-12-06-000025_access_stamps`). A request reads both stamps with its credential, in the
//! same statement as the user's row, and an entry is used only under the stamps it was read
//! with. Whatever is read after the stamps is at least as new as they are, so an entry never
//! holds less than its stamp promises; a change committed after the request's stamps were read
//! is seen by her next request, as it would be without remembering. The same holds across
//! processes sharing one database. A request that may change something reads the stamps again
//! after its change (see `http::extract::Caller::stamp`); its writes never read through here.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use super::{Scope, Viewer};
use crate::accounts::access::Circle;
use crate::db::DbConnection;
use crate::error::Result;
use crate::follows::{self, Follows};
use crate::groups::{self, Role};
use crate::ids::{GroupId, PostId, UserId};
use crate::posts::heads::Heads;

/// Entries kept per kind before all are dropped: a bound on memory, not a policy.
const MAX_ENTRIES: usize = 20_000;

/// The stamps read with a request's credential: see the module's documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessStamp {
    /// The user's `access_version`.
    pub version: i64,
    /// The one `access_epoch` (0 before any group was made).
    pub epoch: i64,
}

/// Scopes' and home feeds' inputs, per user, under the stamps they were read with.
#[derive(Debug, Default)]
pub struct Remembered {
    roles: Stamped<UserId, i64, HashMap<GroupId, Role>>,
    follows: Stamped<UserId, i64, Follows>,
    public: Stamped<(), i64, Vec<GroupId>>,
    /// Employees' circles, which depend on their groups and on the guests'.
    circles: Stamped<UserId, AccessStamp, Circle>,
    /// The groups with guests among their members, which group views tell.
    groups_with_guests: Stamped<(), i64, HashSet<GroupId>>,
    /// Where each reader's last full first page of her home feed, of so many posts, ended.
    /// Not an input to anything shown, so it needs no stamp: a hint for where her next one
    /// will end (`posts::access::merged_page`).
    home_floors: Mutex<HashMap<(UserId, i64), PostId>>,
    /// The newest post of each source of home feeds, raised by the live hub: no stamp either,
    /// see `posts::heads`.
    heads: Arc<Heads>,
}

impl Remembered {
    /// The scope of `viewer`, whose credential was read with `stamp`: as [`Scope::resolve`]
    /// gives, from what was remembered under the same stamp where it can.
    pub fn scope(
        self: &Arc<Self>,
        conn: &mut DbConnection,
        viewer: &Viewer,
        stamp: AccessStamp,
    ) -> Result<Scope> {
        let Viewer::User(principal) = viewer else {
            return Ok(Scope::unresolved(Viewer::Anonymous));
        };
        let roles = self.roles.get_or_load(principal.id, stamp.version, || {
            groups::system::roles_of(conn, principal.id)
        })?;
        let public = match principal.kind.is_walled() {
            true => Vec::new(),
            false => {
                let public = self
                    .public
                    .get_or_load((), stamp.epoch, || groups::system::public_group_ids(conn))?;
                public.as_ref().clone()
            }
        };
        let scope = Scope::of(viewer.clone(), roles.as_ref().clone(), public);
        Ok(scope.remembering(Arc::clone(self), stamp))
    }

    /// The people and tags `user` follows, her credential read with `stamp`.
    pub fn follows(
        &self,
        conn: &mut DbConnection,
        user: UserId,
        stamp: AccessStamp,
    ) -> Result<Arc<Follows>> {
        self.follows
            .get_or_load(user, stamp.version, || follows::of(conn, user))
    }

    /// Every group with a guest among its members, a credential read with `stamp`.
    pub fn groups_with_guests(
        &self,
        conn: &mut DbConnection,
        stamp: AccessStamp,
    ) -> Result<Arc<HashSet<GroupId>>> {
        self.groups_with_guests.get_or_load((), stamp.epoch, || {
            groups::system::group_ids_with_guests(conn)
        })
    }

    /// Where `user`'s last full first page of `size` posts of her home feed ended.
    pub fn home_floor(&self, user: UserId, size: i64) -> Option<PostId> {
        lock(&self.home_floors).get(&(user, size)).copied()
    }

    /// Remembers where `user`'s full first page of `size` posts of her home feed ended.
    pub fn set_home_floor(&self, user: UserId, size: i64, floor: PostId) {
        let mut floors = lock(&self.home_floors);
        if floors.len() >= MAX_ENTRIES {
            floors.clear();
        }
        floors.insert((user, size), floor);
    }

    /// The newest post of each source of home feeds, as far as this process knows.
    pub fn heads(&self) -> &Arc<Heads> {
        &self.heads
    }

    /// The circle of employee `user`, as `load` reads it, her credential read with `stamp`.
    pub fn employee_circle(
        &self,
        user: UserId,
        stamp: AccessStamp,
        load: impl FnOnce() -> Result<Circle>,
    ) -> Result<Arc<Circle>> {
        self.circles.get_or_load(user, stamp, load)
    }
}

/// Values by key, each kept with the stamp it was read under.
#[derive(Debug)]
struct Stamped<K, S, V> {
    entries: Mutex<HashMap<K, (S, Arc<V>)>>,
}

impl<K, S, V> Default for Stamped<K, S, V> {
    fn default() -> Self {
        Stamped {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, S: Eq, V> Stamped<K, S, V> {
    /// The value of `key` remembered under `stamp`, or `load`'s, remembered under it.
    fn get_or_load(&self, key: K, stamp: S, load: impl FnOnce() -> Result<V>) -> Result<Arc<V>> {
        if let Some((at, value)) = self.lock().get(&key)
            && *at == stamp
        {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(load()?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        // Two requests may race with different stamps; a newer one replaces an older one, and
        // an older one replacing a newer one only costs the next request a read.
        entries.insert(key, (stamp, Arc::clone(&value)));
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (S, Arc<V>)>> {
        lock(&self.entries)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_read_again_exactly_when_its_stamp_changed() {
        let stamped: Stamped<u8, i64, u32> = Stamped::default();
        let reads = std::cell::Cell::new(0);
        let read = |value| {
            reads.set(reads.get() + 1);
            Ok(value)
        };
        assert_eq!(*stamped.get_or_load(1, 7, || read(10)).unwrap(), 10);
        assert_eq!(*stamped.get_or_load(1, 7, || read(11)).unwrap(), 10);
        assert_eq!(reads.get(), 1, "same stamp: remembered");
        assert_eq!(*stamped.get_or_load(1, 8, || read(12)).unwrap(), 12);
        assert_eq!(*stamped.get_or_load(2, 8, || read(20)).unwrap(), 20);
        assert_eq!(reads.get(), 3, "a new stamp or another key: read");
        let failed = stamped.get_or_load(1, 9, || Err(crate::error::Error::internal("down")));
        assert!(failed.is_err());
        assert_eq!(*stamped.get_or_load(1, 9, || read(13)).unwrap(), 13);
        assert_eq!(reads.get(), 4, "a failed read is not remembered");
    }
}

//! The names of posts' authors (the titles of results) and the guest mark of authors and
//! people found: read from the database once, then kept in memory until the indexer applies an
//! event about that person (a rename), so a renamed person shows under the new name as soon as
//! the index itself is fresh. It spares every search a database round trip.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::accounts;
use crate::db::DbConnection;
use crate::error::Result;
use crate::ids::UserId;

/// Most names kept; past that the memory starts over.
const REMEMBERED: usize = 100_000;

/// What a result shows of a person.
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    /// For a guest, the domain of her email.
    pub guest_domain: Option<String>,
}

/// Authors by person id.
#[derive(Default)]
pub struct AuthorNames {
    names: RwLock<HashMap<i64, Author>>,
    /// Bumped by every `forget`, so a name read before a rename is never kept after it.
    forgotten: AtomicU64,
}

impl AuthorNames {
    /// The authors of `ids` (those that exist).
    pub fn of(&self, conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Author>> {
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        if let Ok(names) = self.names.read() {
            for id in ids {
                match names.get(id) {
                    Some(name) => {
                        found.insert(*id, name.clone());
                    }
                    None => missing.push(UserId(*id)),
                }
            }
        } else {
            missing.extend(ids.iter().copied().map(UserId));
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let before = self.forgotten.load(Ordering::Acquire);
        let read: Vec<(i64, Author)> = accounts::system::users_by_id(conn, &missing)?
            .into_values()
            .map(|user| {
                let guest_domain = user.guest_domain();
                let author = Author {
                    name: user.name,
                    guest_domain,
                };
                (user.id.0, author)
            })
            .collect();
        if let Ok(mut names) = self.names.write()
            && self.forgotten.load(Ordering::Acquire) == before
        {
            if names.len() + read.len() > REMEMBERED {
                names.clear();
            }
            names.extend(read.iter().cloned());
        }
        found.extend(read);
        Ok(found)
    }

    /// Drops what is known of `ids` (called when events about them are applied).
    pub fn forget(&self, ids: impl IntoIterator<Item = i64>) {
        // First the count, then the names: a read that began before this is either removed
        // here or, if it comes back later, sees the count changed and is not kept.
        self.forgotten.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut names) = self.names.write() {
            for id in ids {
                names.remove(&id);
            }
        }
    }
}

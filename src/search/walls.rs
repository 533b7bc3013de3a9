//! The access policy at query time: for every match, whether the viewer may see it, asked of
//! the viewer's `Scope` (current memberships) from the document's fast fields. Nothing about
//! who may read is stored in the index.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

use super::columns::SegmentColumns;
use super::index::{EMPLOYEES_ONLY, Kind, SECRET};
use crate::access::Scope;
use crate::accounts::{self, access::Circle};
use crate::db::DbConnection;
use crate::error::Result;
use crate::groups::Visibility;
use crate::ids::{GroupId, UserId};

/// Documents by segment.
pub(super) type DocsBySegment = HashMap<SegmentId, HashSet<DocId>>;

/// What the viewer may see, and what the query drops besides.
#[derive(Clone)]
pub(super) struct Walls {
    scope: Arc<Scope>,
    /// The people the viewer may see.
    circle: Arc<Circle>,
    dropped: Arc<DocsBySegment>,
}

impl Walls {
    pub(super) fn of(conn: &mut DbConnection, scope: &Scope) -> Result<Walls> {
        let circle = accounts::access::circle(conn, scope)?;
        Ok(Walls {
            scope: Arc::new(scope.clone()),
            circle: Arc::new(circle),
            dropped: Arc::default(),
        })
    }

    /// The same walls, also dropping `dropped` (matches of excluded phrases).
    pub(super) fn dropping(self, dropped: DocsBySegment) -> Walls {
        Walls {
            dropped: Arc::new(dropped),
            ..self
        }
    }

    /// The walls for one segment, reading its fast fields.
    pub(super) fn for_segment(
        &self,
        segment: &SegmentReader,
        columns: Arc<SegmentColumns>,
    ) -> SegmentWalls {
        SegmentWalls {
            columns,
            dropped: self
                .dropped
                .get(&segment.segment_id())
                .cloned()
                .unwrap_or_default(),
            walls: self.clone(),
        }
    }
}

/// The walls over one segment's documents.
pub(super) struct SegmentWalls {
    columns: Arc<SegmentColumns>,
    dropped: HashSet<DocId>,
    walls: Walls,
}

impl SegmentWalls {
    /// Whether the viewer may see `doc` (of kind code `kind`) and the query keeps it.
    /// Runs for many matches: posts, nearly all of them, take the shortest path.
    pub(super) fn allows(&self, doc: DocId, kind: u64) -> bool {
        if !self.dropped.is_empty() && self.dropped.contains(&doc) {
            return false;
        }
        let (scope, columns) = (&self.walls.scope, &self.columns);
        let group = columns.group(doc);
        match Kind::from_code(kind) {
            Some(Kind::Post) => scope.reads_post(
                (group != 0).then_some(GroupId(group)),
                columns.visibility(doc) == EMPLOYEES_ONLY,
            ),
            Some(Kind::Group) => {
                let visibility = if columns.visibility(doc) == SECRET {
                    Visibility::Secret
                } else {
                    Visibility::Private
                };
                scope.sees_group_with(GroupId(columns.id(doc)), visibility)
            }
            Some(Kind::Person) => {
                let id = UserId(columns.id(doc));
                self.walls.circle.contains(id)
            }
            // A tag is a word of the posts that carry it: found by those who read one of them.
            Some(Kind::Tag) => columns.tag_groups.as_ref().is_some_and(|column| {
                column
                    .values_for_doc(doc)
                    .any(|g| scope.reads_posts_in((g != 0).then_some(GroupId(g))))
            }),
            None => false,
        }
    }
}

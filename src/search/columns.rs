//! The fast-field columns that ranking and the access check read for every match, opened once
//! per segment rather than once per search: opening a column decodes its header and index,
//! which for a rare word costs more than the search itself. Segments never change once
//! written (deletes are kept apart), so what was opened stays right for the segment's life.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::columnar::{Column, ColumnValues};
use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

/// Most segments remembered; past that the memory starts over (merges retire segments).
const REMEMBERED: usize = 256;

/// One segment's columns (absent ones read as 0).
pub(super) struct SegmentColumns {
    kind: Option<Arc<dyn ColumnValues<u64>>>,
    id: Option<Arc<dyn ColumnValues<i64>>>,
    group: Option<Arc<dyn ColumnValues<i64>>>,
    visibility: Option<Arc<dyn ColumnValues<u64>>>,
    engagement: Option<Arc<dyn ColumnValues<u64>>>,
    created: Option<Arc<dyn ColumnValues<i64>>>,
    /// A tag's groups, several per document.
    pub tag_groups: Option<Column<i64>>,
}

fn read<T: Default + PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static>(
    column: &Option<Arc<dyn ColumnValues<T>>>,
    doc: DocId,
) -> T {
    column.as_ref().map_or_else(T::default, |c| c.get_val(doc))
}

impl SegmentColumns {
    fn open(segment: &SegmentReader) -> SegmentColumns {
        let fast = segment.fast_fields();
        let u64s = |name| fast.u64(name).map(|c| c.first_or_default_col(0)).ok();
        let i64s = |name| fast.i64(name).map(|c| c.first_or_default_col(0)).ok();
        SegmentColumns {
            kind: u64s("kind"),
            id: i64s("id"),
            group: i64s("group"),
            visibility: u64s("visibility"),
            engagement: u64s("engagement"),
            created: i64s("created"),
            tag_groups: fast.i64("tag_groups").ok(),
        }
    }

    pub fn kind(&self, doc: DocId) -> u64 {
        read(&self.kind, doc)
    }
    pub fn id(&self, doc: DocId) -> i64 {
        read(&self.id, doc)
    }
    pub fn group(&self, doc: DocId) -> i64 {
        read(&self.group, doc)
    }
    pub fn visibility(&self, doc: DocId) -> u64 {
        read(&self.visibility, doc)
    }
    pub fn engagement(&self, doc: DocId) -> u64 {
        read(&self.engagement, doc)
    }
    pub fn created(&self, doc: DocId) -> i64 {
        read(&self.created, doc)
    }
}

/// Columns by segment, for one generation of the index.
#[derive(Default)]
pub struct Columns {
    /// Read by every search at once, written once per new segment.
    opened: RwLock<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl Columns {
    /// The columns of `segment`, opened on first use.
    pub(super) fn of(&self, segment: &SegmentReader) -> Arc<SegmentColumns> {
        let id = segment.segment_id();
        if let Ok(opened) = self.opened.read()
            && let Some(columns) = opened.get(&id)
        {
            return columns.clone();
        }
        let columns = Arc::new(SegmentColumns::open(segment));
        if let Ok(mut opened) = self.opened.write() {
            if opened.len() >= REMEMBERED {
                opened.clear();
            }
            opened.insert(id, columns.clone());
        }
        columns
    }
}

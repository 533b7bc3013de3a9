//! Ranking: BM25 relevance × (1 + weight × ln(1 + engagement)) / (1 + age in days / recency
//! days), over the matches the viewer may see.
//!
//! Blending every match of a very common word costs a visit to each of its postings (800,000
//! for a word in most posts). So text searches rank in two steps: the best `window` matches
//! by relevance alone are collected with tantivy's block-max pruning (whole blocks of postings
//! that cannot reach the window are skipped), asking the access policy about each document
//! that would enter it; then those are ordered by the blended score. Searches without words
//! (filters only) have no relevance to prune by and blend every match.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use super::columns::{Columns, SegmentColumns};
use super::index::Kind;
use super::walls::{SegmentWalls, Walls};
use crate::config::SearchSettings;

/// How engagement and age weigh on relevance, at a fixed `now`.
#[derive(Clone, Copy)]
pub(super) struct Blend {
    recency_days: f32,
    engagement_weight: f32,
    now: i64,
}

impl Blend {
    pub(super) fn new(settings: &SearchSettings, now: i64) -> Blend {
        Blend {
            recency_days: settings.recency_days,
            engagement_weight: settings.engagement_weight,
            now,
        }
    }

    fn score(&self, relevance: Score, engagement: u64, age_seconds: Option<i64>) -> Score {
        let lift = 1.0 + self.engagement_weight * (engagement as f32).ln_1p();
        let age_days = age_seconds.map_or(0.0, |s| s.max(0) as f32 / 86_400.0);
        relevance * lift / (1.0 + age_days / self.recency_days)
    }
}

/// What a ranked search keeps.
#[derive(Clone, Copy)]
pub(super) enum Keep {
    /// The best `n` by relevance, then ordered by the blended score.
    Relevant(usize),
    /// The best `n` by the blended score, every match blended.
    Blended(usize),
}

/// A collector of the best matches the viewer may see: of one kind, or of each kind apart.
pub(super) struct Ranked<'a> {
    pub keep: Keep,
    /// Only this kind; `None`: any.
    pub only: Option<Kind>,
    /// One list per kind (indexed by kind code) instead of one list.
    pub by_kind: bool,
    pub walls: Walls,
    pub blend: Blend,
    /// The generation's columns, opened once per segment.
    pub columns: &'a Columns,
}

/// A match on its way up: its relevance, blended score and address.
#[derive(Clone, Copy)]
pub(super) struct Candidate {
    relevance: Score,
    blended: Score,
    address: DocAddress,
}

impl Candidate {
    pub(super) fn scored(&self) -> (Score, DocAddress) {
        (self.blended, self.address)
    }
}

/// A heap entry ordered by `key`, then the earlier document first.
struct Entry {
    key: Score,
    candidate: Candidate,
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then_with(|| other.candidate.address.cmp(&self.candidate.address))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}

/// The best `size` entries seen, the worst on top.
struct Best {
    size: usize,
    heap: BinaryHeap<Reverse<Entry>>,
}

impl Best {
    fn new(size: usize) -> Best {
        Best {
            size,
            heap: BinaryHeap::new(),
        }
    }

    fn push(&mut self, entry: Entry) {
        if self.heap.len() < self.size {
            self.heap.push(Reverse(entry));
        } else if self
            .heap
            .peek()
            .is_some_and(|Reverse(worst)| entry > *worst)
        {
            self.heap.pop();
            self.heap.push(Reverse(entry));
        }
    }

    /// The key a new entry must beat once full.
    fn threshold(&self) -> Option<Score> {
        (self.heap.len() >= self.size)
            .then(|| self.heap.peek().map(|Reverse(e)| e.key))
            .flatten()
    }
}

/// [`Ranked`] over one segment.
pub(super) struct RankedSegment {
    walls: SegmentWalls,
    columns: Arc<SegmentColumns>,
    segment: u32,
    keep: Keep,
    only: Option<u64>,
    by_kind: bool,
    blend: Blend,
    best: Vec<Best>,
}

impl RankedSegment {
    /// Considers `doc`; returns the relevance a later match must beat to matter.
    fn offer(&mut self, doc: DocId, relevance: Score) -> Score {
        let kind = self.columns.kind(doc);
        if self.only.is_none_or(|only| only == kind) && self.walls.allows(doc, kind) {
            let engagement = self.columns.engagement(doc);
            let age =
                (kind == Kind::Post.code()).then(|| self.blend.now - self.columns.created(doc));
            let blended = self.blend.score(relevance, engagement, age);
            let candidate = Candidate {
                relevance,
                blended,
                address: DocAddress::new(self.segment, doc),
            };
            let key = match self.keep {
                Keep::Relevant(_) => relevance,
                Keep::Blended(_) => blended,
            };
            let slot = if self.by_kind {
                usize::try_from(kind).unwrap_or(0)
            } else {
                0
            };
            if let Some(best) = self.best.get_mut(slot) {
                best.push(Entry { key, candidate });
            }
        }
        match (self.keep, &self.best[..]) {
            // Pruning by relevance is sound only while one list decides.
            (Keep::Relevant(_), [best]) => best.threshold().unwrap_or(Score::MIN),
            _ => Score::MIN,
        }
    }
}

impl SegmentCollector for RankedSegment {
    type Fruit = Vec<Vec<Candidate>>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        self.best
            .into_iter()
            .map(|best| {
                best.heap
                    .into_iter()
                    .map(|Reverse(e)| e.candidate)
                    .collect()
            })
            .collect()
    }
}

impl Ranked<'_> {
    fn size(&self) -> usize {
        match self.keep {
            Keep::Relevant(n) | Keep::Blended(n) => n,
        }
    }

    /// Merges candidate lists: the best by the kept key, then ordered by the blended score.
    fn finish(&self, mut candidates: Vec<Candidate>) -> Vec<Candidate> {
        let by = |score: fn(&Candidate) -> Score| {
            move |a: &Candidate, b: &Candidate| {
                score(b)
                    .total_cmp(&score(a))
                    .then_with(|| a.address.cmp(&b.address))
            }
        };
        if let Keep::Relevant(_) = self.keep {
            candidates.sort_by(by(|c| c.relevance));
            candidates.truncate(self.size());
        }
        candidates.sort_by(by(|c| c.blended));
        candidates.truncate(self.size());
        candidates
    }
}

impl Collector for Ranked<'_> {
    /// One list per kind code when `by_kind`, else one list; best first.
    type Fruit = Vec<Vec<Candidate>>;
    type Child = RankedSegment;

    fn for_segment(&self, segment: u32, reader: &SegmentReader) -> tantivy::Result<RankedSegment> {
        let lists = if self.by_kind { Kind::ALL.len() } else { 1 };
        let columns = self.columns.of(reader);
        Ok(RankedSegment {
            walls: self.walls.for_segment(reader, columns.clone()),
            columns,
            segment,
            keep: self.keep,
            only: self.only.map(Kind::code),
            by_kind: self.by_kind,
            blend: self.blend,
            best: (0..lists).map(|_| Best::new(self.size())).collect(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Vec<Vec<Candidate>>>) -> tantivy::Result<Self::Fruit> {
        let lists = if self.by_kind { Kind::ALL.len() } else { 1 };
        let mut merged: Vec<Vec<Candidate>> = vec![Vec::new(); lists];
        for segment in segments {
            for (list, candidates) in merged.iter_mut().zip(segment) {
                list.extend(candidates);
            }
        }
        Ok(merged.into_iter().map(|list| self.finish(list)).collect())
    }

    /// Lets the query skip what cannot enter the window (block-max WAND for words).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<Vec<Candidate>>> {
        let mut ranked = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        let mut threshold = Score::MIN;
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, relevance| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                threshold = ranked.offer(doc, relevance);
            }
            threshold
        })?;
        Ok(ranked.harvest())
    }
}

//! How many results a search has, by type, counted over what the viewer may see only: every
//! match is asked of the same walls as the results, so a count never tells of a post she may
//! not read. Each type is counted exactly up to [`CAP`]; past it the count says "at least".

use serde::Serialize;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED, Term};

use super::index::{Generation, Kind, internal};
use super::walls::Walls;
use crate::error::Result;

/// The most matches of one type counted one by one.
pub const CAP: u64 = 1000;

/// A number of results: exact, or "at least `value`" when counting stopped at the cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub value: u64,
    /// False when there are more than `value` (shown as "1000+").
    pub exact: bool,
}

impl Count {
    /// "12", or "1000+" past the cap.
    pub fn label(&self) -> String {
        if self.exact {
            self.value.to_string()
        } else {
            format!("{}+", self.value)
        }
    }
}

impl std::ops::Add for Count {
    type Output = Count;

    fn add(self, other: Count) -> Count {
        Count {
            value: self.value + other.value,
            exact: self.exact && other.exact,
        }
    }
}

/// Results by type, and all of them.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub total: Count,
    pub posts: Count,
    pub people: Count,
    pub groups: Count,
    pub tags: Count,
}

/// The counts of `query`'s matches that `walls` let through.
pub(super) fn counts(
    generation: &Generation,
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    walls: &Walls,
) -> Result<Counts> {
    let of = |kind: Kind| count_of(generation, searcher, query, walls, kind);
    let (posts, people, groups, tags) = (
        of(Kind::Post)?,
        of(Kind::Person)?,
        of(Kind::Group)?,
        of(Kind::Tag)?,
    );
    Ok(Counts {
        total: posts + people + groups + tags,
        posts,
        people,
        groups,
        tags,
    })
}

/// Matches of `kind`, walked in document order until the cap: the type's own term narrows the
/// walk, so a rare type among many matches costs little.
fn count_of(
    generation: &Generation,
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    walls: &Walls,
    kind: Kind,
) -> Result<Count> {
    let fields = &generation.fields;
    let of_kind = TermQuery::new(
        Term::from_field_u64(fields.kind, kind.code()),
        IndexRecordOption::Basic,
    );
    let narrowed = BooleanQuery::new(vec![
        (Occur::Must, query.box_clone()),
        (Occur::Must, Box::new(of_kind)),
    ]);
    let weight = narrowed
        .weight(EnableScoring::disabled_from_searcher(searcher))
        .map_err(internal)?;
    let mut value = 0;
    for reader in searcher.segment_readers() {
        let walls = walls.for_segment(reader, generation.columns.of(reader));
        let alive = reader.alive_bitset();
        let mut matches = weight.scorer(reader, 1.0).map_err(internal)?;
        let mut doc = matches.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) && walls.allows(doc, kind.code()) {
                if value == CAP {
                    return Ok(Count {
                        value,
                        exact: false,
                    });
                }
                value += 1;
            }
            doc = matches.advance();
        }
    }
    Ok(Count { value, exact: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_is_exact_only_when_every_part_is() {
        let exact = |value| Count { value, exact: true };
        assert_eq!((exact(3) + exact(4)).label(), "7");
        let capped = Count {
            value: CAP,
            exact: false,
        };
        assert_eq!((capped + exact(2)).label(), "1002+");
    }
}

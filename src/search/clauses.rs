//! The query clauses of a search: words and phrases over the text, names and comments, the
//! filters (`from:`, `in:`, `#tag`, dates) resolved to what the viewer may see, and the names
//! typeahead matches.

use std::collections::BTreeSet;
use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use super::analyzer;
use super::index::{Fields, internal};
use super::query::Parsed;
use crate::access::Scope;
use crate::accounts;
use crate::db::DbConnection;
use crate::error::{Result, invalid};
use crate::groups;

fn term_i64(field: tantivy::schema::Field, value: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_i64(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Every word and phrase must match, somewhere in a post, its comments or a name; `staff`
/// (employees) also searches the comments for employees only.
pub(super) fn text_query(
    searcher: &Searcher,
    fields: &Fields,
    parsed: &Parsed,
    staff: bool,
) -> Option<Box<dyn Query>> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = parsed
        .words
        .iter()
        .chain(&parsed.phrases)
        .filter_map(|words| words_clause(searcher, fields, words, staff))
        .map(|clause| (Occur::Must, clause))
        .collect();
    (!clauses.is_empty()).then(|| all_of(clauses))
}

/// The conjunction of `clauses`. A lone required clause stands alone, so that a single word
/// reaches tantivy as a plain union of term queries, which it can prune by block-max scores.
pub(super) fn all_of(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    match clauses.pop() {
        Some((Occur::Must, only)) if clauses.is_empty() => only,
        Some(last) => {
            clauses.push(last);
            Box::new(BooleanQuery::new(clauses))
        }
        None => Box::new(BooleanQuery::new(clauses)),
    }
}

/// A word or a phrase, in the text (full weight), a name (double) or the comments (half).
/// `None` when it has no letters or digits.
///
/// Names and comments are asked only where the index holds every term: a field without them
/// cannot match, and left out it costs nothing to score (tantivy re-creates an empty
/// dictionary on every use of a field that a segment lacks). The text is always asked, so
/// words found nowhere still match nothing.
pub(super) fn words_clause(
    searcher: &Searcher,
    fields: &Fields,
    words: &str,
    staff: bool,
) -> Option<Box<dyn Query>> {
    let prose = analyzer::terms(&mut analyzer::prose(), words);
    let names = analyzer::terms(&mut analyzer::names(), words);
    let held = |field, terms: &[String]| {
        terms.iter().all(|t| {
            searcher
                .doc_freq(&Term::from_field_text(field, t))
                .is_ok_and(|n| n > 0)
        })
    };
    let in_field = |field, terms: &[String]| -> Option<Box<dyn Query>> {
        match terms {
            [] => None,
            [one] => Some(Box::new(TermQuery::new(
                Term::from_field_text(field, one),
                IndexRecordOption::WithFreqs,
            ))),
            many => Some(Box::new(PhraseQuery::new(
                many.iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect(),
            ))),
        }
    };
    let boosted = |query: Option<Box<dyn Query>>, boost: f32| {
        query.map(|q| {
            (
                Occur::Should,
                Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>,
            )
        })
    };
    let mut clauses: Vec<_> = [
        in_field(fields.text, &prose).map(|q| (Occur::Should, q)),
        boosted(
            in_field(fields.name, &names).filter(|_| held(fields.name, &names)),
            2.0,
        ),
        boosted(
            in_field(fields.comments, &prose).filter(|_| held(fields.comments, &prose)),
            0.5,
        ),
        boosted(
            in_field(fields.staff_comments, &prose)
                .filter(|_| staff && held(fields.staff_comments, &prose)),
            0.5,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    // A lone clause stands alone: tantivy prunes a bare term query by block-max scores, but
    // scores every match of a boolean query that holds only it.
    match clauses.len() {
        0 => None,
        1 => clauses.pop().map(|(_, clause)| clause),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    }
}

/// `from:`, `in:`, `#tag` and dates, resolved to what the viewer may see: an unknown handle or
/// a group the viewer cannot see is a field error that names only what was typed.
pub(super) fn filter_clauses(
    conn: &mut DbConnection,
    scope: &Scope,
    fields: &Fields,
    parsed: &Parsed,
) -> Result<Vec<(Occur, Box<dyn Query>)>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !parsed.from.is_empty() {
        let found = accounts::system::users_by_handle(conn, &parsed.from)?;
        let circle = accounts::access::circle(conn, scope)?;
        let mut authors = Vec::new();
        for handle in &parsed.from {
            match found.get(handle) {
                Some(user) if circle.contains(user.id) => {
                    authors.push((Occur::Should, term_i64(fields.author, user.id.0)));
                }
                _ => {
                    return Err(invalid(
                        "q",
                        format!("nobody you can see has the handle @{handle}"),
                    ));
                }
            }
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(authors))));
    }
    if !parsed.groups.is_empty() {
        let mut groups = Vec::new();
        for name in &parsed.groups {
            match groups::access::visible_group_named(conn, scope, name)? {
                Some(group) => groups.push((Occur::Should, term_i64(fields.group, group.id.0))),
                None => {
                    return Err(invalid(
                        "q",
                        format!("no group you can see is called {name:?}"),
                    ));
                }
            }
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(groups))));
    }
    for tag in &parsed.tags {
        let term = Term::from_field_text(fields.tag, tag);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    for mark in &parsed.marks {
        let term = Term::from_field_text(fields.marks, mark);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    for link in &parsed.links {
        let term = Term::from_field_text(fields.links, link);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    for source in &parsed.linked_from {
        // A post she may not read links to nothing, as far as she can tell.
        let targets: Vec<Term> = match crate::posts::access::visible_post(conn, scope, *source) {
            Ok(post) => serde_json::from_str::<Vec<String>>(&post.links)
                .unwrap_or_default()
                .iter()
                .filter_map(|link| match crate::links::Target::of(link) {
                    Some(crate::links::Target::Post(id)) => {
                        Some(Term::from_field_i64(fields.id, id.0))
                    }
                    _ => None,
                })
                .collect(),
            Err(e) if e.is_not_found() => Vec::new(),
            Err(e) => return Err(e),
        };
        clauses.push((Occur::Must, Box::new(TermSetQuery::new(targets))));
    }
    if parsed.before.is_some() || parsed.after.is_some() {
        let seconds = |day: chrono::NaiveDate| {
            Term::from_field_i64(
                fields.created,
                day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
            )
        };
        let lower = parsed
            .after
            .map_or(Bound::Unbounded, |d| Bound::Included(seconds(d)));
        let upper = parsed
            .before
            .map_or(Bound::Unbounded, |d| Bound::Excluded(seconds(d)));
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    Ok(clauses)
}

/// Most name words one typed word stands for in typeahead: the first ones in alphabetical
/// order. A short prefix such as `us` may start thousands of names, and reading every one's
/// postings cost more than the rest of a suggestion; typing on narrows them.
const NAME_WORDS: usize = 64;

/// Names whose words match `whole` (each a whole word) and `last` (as the start of a word),
/// one typo forgiven in words of four letters or more.
pub(super) fn names_clause(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    whole: &[String],
    last: &str,
) -> Result<Box<dyn Query>> {
    let typos = |word: &str| u8::from(word.chars().count() >= 4);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let words = whole.iter().map(|w| (w.as_str(), false));
    for (word, prefix) in words.chain([(last, true)]) {
        let term = Term::from_field_text(field, word);
        let fuzzy = if prefix {
            FuzzyTermQuery::new_prefix(term, typos(word), true)
        } else {
            FuzzyTermQuery::new(term, typos(word), true)
        };
        let terms = first_terms(searcher, field, &fuzzy)?;
        clauses.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
    }
    Ok(all_of(clauses))
}

/// The first [`NAME_WORDS`] terms of `field` the fuzzy query's automaton accepts.
fn first_terms(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    fuzzy: &FuzzyTermQuery,
) -> Result<Vec<Term>> {
    let mut found: BTreeSet<Vec<u8>> = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field).map_err(internal)?;
        let automaton = fuzzy.automaton().map_err(internal)?;
        let mut stream = index
            .terms()
            .search(automaton)
            .into_stream()
            .map_err(internal)?;
        // Each segment's terms come in order, so its first ones hold its share of the first.
        let mut taken = 0;
        while taken < NAME_WORDS && stream.advance() {
            found.insert(stream.key().to_vec());
            taken += 1;
        }
    }
    Ok(found
        .into_iter()
        .take(NAME_WORDS)
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .map(|text| Term::from_field_text(field, &text))
        .collect())
}

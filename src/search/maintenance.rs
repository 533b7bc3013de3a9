//! `agora reindex` rebuilds the index from the database into a new generation beside the one
//! in use, then swaps it in atomically; a running server keeps answering from the old one and
//! switches when it sees the swap. `agora search check` compares the index with the database.

use std::time::{Duration, Instant};

use diesel::dsl::count_star;
use diesel::prelude::*;
use rand::seq::SliceRandom;
use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use super::documents::{self, Change};
use super::index::{Generation, Kind, SearchIndex, address_of, internal};
use super::indexer;
use crate::db::schema::{groups, posts, tags, users};
use crate::db::{Db, DbConnection};
use crate::error::Result;
use crate::events;

/// Posts read from the database at a time during a rebuild.
const POSTS_PER_READ: i64 = 5000;

/// What a rebuild indexed, and where its time went.
#[derive(Debug)]
pub struct Rebuilt {
    pub posts: usize,
    pub others: usize,
    pub seconds: f64,
    /// Reading rows and making documents of them.
    pub reading_seconds: f64,
    /// Waiting for the writer to take documents, and the commit.
    pub writing_seconds: f64,
    /// Waiting for the merges the commit started.
    pub merging_seconds: f64,
}

/// Rebuilds the index with `threads` indexing threads and makes it the one in use.
pub fn reindex(db: &Db, search: &SearchIndex, threads: usize) -> Result<Rebuilt> {
    let started = Instant::now();
    let generation = search.new_generation()?;
    // Everything up to this event is in what is read below. Later events are applied on top
    // once this generation is in use; applying one twice converges on the same document.
    let from_event = db.read(events::last_id)?;
    let (mut posts, mut others) = (0, 0);
    let mut reading = Duration::ZERO;
    let mut read = |work: &mut dyn FnMut(&mut DbConnection) -> Result<Vec<Change>>| {
        let started = Instant::now();
        let changes = db.read(|conn| work(conn));
        reading += started.elapsed();
        changes
    };
    let writing = Instant::now();
    generation.write(threads, from_event, |writer, fields| {
        let apply = |changes: Vec<Change>| -> Result<usize> {
            let count = changes.len();
            for change in changes {
                if let Change::Put(kind, id, doc) = change {
                    Generation::put(writer, fields, kind, id, doc)?;
                }
            }
            Ok(count)
        };
        others += apply(read(&mut |conn| documents::people(conn, fields, None))?)?;
        others += apply(read(&mut |conn| documents::groups(conn, fields, None))?)?;
        others += apply(read(&mut |conn| documents::tags(conn, fields, None))?)?;
        let mut after = 0;
        loop {
            let mut last = None;
            let changes = read(&mut |conn| {
                let (changes, read_last) =
                    documents::posts_after(conn, fields, after, POSTS_PER_READ)?;
                last = read_last;
                Ok(changes)
            })?;
            posts += apply(changes)?;
            match last {
                Some(last) => after = last,
                None => return Ok(()),
            }
        }
    })?;
    let writing = writing.elapsed();
    let merging = Instant::now();
    generation.close_writer()?;
    let merging = merging.elapsed();
    search.promote(&generation)?;
    Ok(Rebuilt {
        posts,
        others,
        seconds: started.elapsed().as_secs_f64(),
        reading_seconds: reading.as_secs_f64(),
        writing_seconds: writing.saturating_sub(reading).as_secs_f64(),
        merging_seconds: merging.as_secs_f64(),
    })
}

/// Brings the index up to the events log (what a running server does continuously), with
/// the events committed so far given their ids first.
pub fn catch_up(db: &Db, search: &SearchIndex) -> Result<usize> {
    db.read(events::sequence)?;
    let mut applied = 0;
    loop {
        match indexer::apply_next(db, search)?.rows {
            0 => return Ok(applied),
            n => applied += n,
        }
    }
}

/// What `check` found: a line per finding, and how many were differences.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub differences: usize,
}

impl Report {
    fn note(&mut self, ok: bool, line: String) {
        if !ok {
            self.differences += 1;
        }
        self.lines
            .push(format!("{} {line}", if ok { "ok  " } else { "DIFF" }));
    }
}

/// Compares the index with the database: how far it has applied the events log, the number
/// of documents of each type, and `sample` posts picked at random, field by field.
pub fn check(db: &Db, search: &SearchIndex, sample: usize) -> Result<Report> {
    search.follow_swap()?;
    let generation = search.current();
    generation.reader.reload().map_err(internal)?;
    let searcher = generation.reader.searcher();
    let fields = generation.fields;
    let mut report = Report::default();

    let (applied, last) = (generation.applied_event()?, db.read(events::last_id)?);
    report.note(
        applied == last,
        format!(
            "events applied: {applied} of {last} (a running server catches up within a second)"
        ),
    );

    let live_posts = db.read(|conn| {
        Ok(posts::table
            .filter(posts::deleted_at.is_null())
            .select(count_star())
            .first::<i64>(conn)?)
    })?;
    let active_people = db.read(|conn| {
        Ok(users::table
            .filter(users::deactivated_at.is_null())
            .select(count_star())
            .first::<i64>(conn)?)
    })?;
    let group_count =
        db.read(|conn| Ok(groups::table.select(count_star()).first::<i64>(conn)?))?;
    let tag_count = db.read(|conn| Ok(tags::table.select(count_star()).first::<i64>(conn)?))?;
    for (kind, expected) in [
        (Kind::Post, live_posts),
        (Kind::Person, active_people),
        (Kind::Group, group_count),
        (Kind::Tag, tag_count),
    ] {
        let query = TermQuery::new(
            Term::from_field_u64(fields.kind, kind.code()),
            IndexRecordOption::Basic,
        );
        let indexed = searcher.search(&query, &Count).map_err(internal)?;
        let indexed = i64::try_from(indexed).unwrap_or(i64::MAX);
        report.note(
            indexed == expected,
            format!(
                "{}: {indexed} indexed, {expected} in the database",
                kind.as_str()
            ),
        );
    }

    let mut ids: Vec<i64> = db.read(|conn| {
        Ok(posts::table
            .filter(posts::deleted_at.is_null())
            .select(posts::id)
            .load(conn)?)
    })?;
    ids.shuffle(&mut rand::thread_rng());
    ids.truncate(sample);
    let expected = db.read(|conn| documents::posts(conn, &fields, &ids))?;
    let mut mismatched = Vec::new();
    for change in expected {
        let Change::Put(_, id, want) = change else {
            continue;
        };
        let have: Option<TantivyDocument> = match address_of(&searcher, &fields, Kind::Post, id)? {
            Some(address) => Some(searcher.doc(address).map_err(internal)?),
            None => None,
        };
        let same = have.is_some_and(|have| {
            [fields.text, fields.group, fields.author, fields.created]
                .into_iter()
                .all(|field| {
                    let value = |doc: &TantivyDocument| {
                        doc.get_first(field)
                            .map(|v| (v.as_str().map(str::to_string), v.as_i64()))
                    };
                    value(&have) == value(&want)
                })
        });
        if !same {
            mismatched.push(id);
        }
    }
    report.note(
        mismatched.is_empty(),
        format!(
            "{} sampled posts match the database{}",
            ids.len(),
            if mismatched.is_empty() {
                String::new()
            } else {
                format!(" except {mismatched:?}")
            }
        ),
    );
    Ok(report)
}

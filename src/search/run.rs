//! Searches and suggestions for one viewer. Which documents the viewer may see is decided
//! for every match by the access policy's `Scope`, from current memberships, inside the
//! collector (`rank`, `walls`): a match the viewer may not see never reaches a result, a
//! snippet or a count.

use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::{AllQuery, Occur, Query, QueryClone};
use tantivy::{DocAddress, Score};

use super::analyzer;
use super::clauses::{all_of, filter_clauses, names_clause, text_query, words_clause};
use super::counts::{Counts, counts};
use super::hits::hits;
use super::index::{Generation, Kind, internal};
use super::query::{self, Parsed};
use super::rank::{Blend, Candidate, Keep, Ranked};
use super::snippets::Snippets;
use super::walls::{DocsBySegment, Walls};
use crate::access::Scope;
use crate::config::SearchSettings;
use crate::db::DbConnection;
use crate::error::{ErrorCode, Result, invalid};

/// One result.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// `post`, `person`, `group` or `tag`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    /// A post's author, a person's or group's name, `#tag`.
    pub title: String,
    /// HTML: the matching words in `<mark>`, everything else escaped.
    pub snippet: String,
    /// `1 / rank` (1, 0.5, 0.33 …, counted across pages): the order, not the relevance.
    pub score: f32,
    /// Where the result lives in the browser.
    pub url: String,
    /// A guest's mark, the domain of her email: on a person who is a guest, and on a post a
    /// guest wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_domain: Option<String>,
}

/// One page of results, and how many there are of each type.
#[derive(Debug)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub next_cursor: Option<String>,
    pub counts: Counts,
}

/// What the toolbar offers while typing.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub people: Vec<Hit>,
    pub groups: Vec<Hit>,
    pub tags: Vec<Hit>,
    pub posts: Vec<Hit>,
}

/// Suggestions of each type.
const SUGGESTED: usize = 5;
/// Posts among the suggestions.
const SUGGESTED_POSTS: usize = 3;

/// A search as asked.
#[derive(Debug)]
pub struct Request<'a> {
    pub q: &'a str,
    /// Only results of this type.
    pub kind: Option<Kind>,
    pub cursor: Option<&'a str>,
    pub limit: usize,
}

/// One page of results, best first, with the counts of every type. The cursor carries the
/// time the first page was ranked at, so later pages rank the same way.
pub fn search(
    conn: &mut DbConnection,
    scope: &Scope,
    generation: &Generation,
    ranking: &SearchSettings,
    request: Request<'_>,
) -> Result<Results> {
    scope.viewer().require_user()?;
    let Request {
        q,
        kind,
        cursor,
        limit,
    } = request;
    let parsed = query::parse(q)?;
    let (now, offset) = match cursor {
        Some(cursor) => {
            let (now, offset) = crate::cursor::decode::<i64>(cursor)?;
            let now = now.parse().map_err(|_| bad_cursor())?;
            (now, usize::try_from(offset).map_err(|_| bad_cursor())?)
        }
        None => (chrono::Utc::now().timestamp(), 0),
    };
    let kind = if parsed.filters_posts() {
        Some(Kind::Post)
    } else {
        kind
    };
    let fields = &generation.fields;
    let staff = scope.reads_company();
    let searcher = generation.reader.searcher();
    let text = text_query(&searcher, fields, &parsed, staff);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match &text {
        Some(text) => clauses.push((Occur::Must, text.box_clone())),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    let mut excluded_phrases = Vec::new();
    for excluded in &parsed.excluded {
        let Some(clause) = words_clause(&searcher, fields, excluded, staff) else {
            continue;
        };
        if analyzer::terms(&mut analyzer::prose(), excluded).len() > 1 {
            // tantivy's phrase scorer cannot sit under MustNot (it asserts on the seeks an
            // exclusion makes), so a phrase's matches are collected and dropped when ranking.
            excluded_phrases.push(clause);
        } else {
            clauses.push((Occur::MustNot, clause));
        }
    }
    clauses.extend(filter_clauses(conn, scope, fields, &parsed)?);
    let query = all_of(clauses);

    let walls = Walls::of(conn, scope)?.dropping(matches(&searcher, &excluded_phrases)?);
    let counts = counts(generation, &searcher, query.as_ref(), &walls)?;
    // A page past the window is ranked within a window that reaches it.
    let wanted = offset.saturating_add(limit).saturating_add(1);
    let keep = match text {
        Some(_) => Keep::Relevant(ranking.relevance_window.max(wanted)),
        None => Keep::Blended(wanted),
    };
    let ranked = best(
        generation,
        &searcher,
        query.as_ref(),
        keep,
        kind,
        walls,
        ranking,
        now,
    )?;
    let page: Vec<(Score, DocAddress)> = ranked
        .iter()
        .skip(offset)
        .take(limit)
        .map(Candidate::scored)
        .collect();
    let more = ranked.len() > offset.saturating_add(limit);
    let mut snippets = match &text {
        Some(text) => Some(Snippets::new(&searcher, text.as_ref(), fields)?),
        None => None,
    };
    let hits = hits(
        conn,
        generation,
        &searcher,
        snippets.as_mut(),
        &page,
        offset.saturating_add(1),
    )?;
    let next = more.then(|| {
        crate::cursor::encode(
            &now.to_string(),
            i64::try_from(offset + limit).unwrap_or(i64::MAX),
        )
    });
    Ok(Results {
        hits,
        next_cursor: next,
        counts,
    })
}

fn bad_cursor() -> crate::error::Error {
    crate::error::Error::bad_request(
        ErrorCode::BadCursor,
        "the cursor is not one this server gave out",
    )
}

/// The best matches of `query` of `kind` that the walls let through, best first.
#[expect(
    clippy::too_many_arguments,
    reason = "a search's parts, each needed once"
)]
fn best(
    generation: &Generation,
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    keep: Keep,
    kind: Option<Kind>,
    walls: Walls,
    ranking: &SearchSettings,
    now: i64,
) -> Result<Vec<Candidate>> {
    let collector = Ranked {
        keep,
        only: kind,
        by_kind: false,
        walls,
        blend: Blend::new(ranking, now),
        columns: &generation.columns,
    };
    let mut lists = searcher.search(query, &collector).map_err(internal)?;
    Ok(lists.pop().unwrap_or_default())
}

/// People, groups and tags whose names start like `q` (one typo forgiven in words of four
/// letters or more), and the best posts for its words.
pub fn suggest(
    conn: &mut DbConnection,
    scope: &Scope,
    generation: &Generation,
    ranking: &SearchSettings,
    q: &str,
) -> Result<Suggestions> {
    scope.viewer().require_user()?;
    if q.chars().count() > query::MAX_QUERY {
        return Err(invalid(
            "q",
            format!("at most {} characters", query::MAX_QUERY),
        ));
    }
    let fields = &generation.fields;
    let words = analyzer::terms(&mut analyzer::names(), q);
    let Some((last, before)) = words.split_last() else {
        return Ok(Suggestions::default());
    };
    let searcher = generation.reader.searcher();
    let names = names_clause(&searcher, fields.name, before, last)?;
    let walls = Walls::of(conn, scope)?;
    let now = chrono::Utc::now().timestamp();
    // Only people, groups and tags have names: one pass over the names, the best of each.
    let collector = Ranked {
        keep: Keep::Blended(SUGGESTED),
        only: None,
        by_kind: true,
        walls: walls.clone(),
        blend: Blend::new(ranking, now),
        columns: &generation.columns,
    };
    let by_kind = searcher
        .search(names.as_ref(), &collector)
        .map_err(internal)?;
    let mut suggestions = Suggestions::default();
    for (kind, into) in [
        (Kind::Person, &mut suggestions.people),
        (Kind::Group, &mut suggestions.groups),
        (Kind::Tag, &mut suggestions.tags),
    ] {
        let found: Vec<(Score, DocAddress)> = by_kind
            .get(usize::try_from(kind.code()).unwrap_or(0))
            .into_iter()
            .flatten()
            .map(Candidate::scored)
            .collect();
        *into = hits(conn, generation, &searcher, None, &found, 1)?;
    }
    let parsed = Parsed {
        words: words.clone(),
        ..Parsed::default()
    };
    if let Some(text) = text_query(&searcher, fields, &parsed, scope.reads_company()) {
        let keep = Keep::Relevant(ranking.relevance_window);
        let found: Vec<(Score, DocAddress)> = best(
            generation,
            &searcher,
            text.as_ref(),
            keep,
            Some(Kind::Post),
            walls,
            ranking,
            now,
        )?
        .iter()
        .take(SUGGESTED_POSTS)
        .map(Candidate::scored)
        .collect();
        let mut snippets = Snippets::new(&searcher, text.as_ref(), fields)?;
        suggestions.posts = hits(conn, generation, &searcher, Some(&mut snippets), &found, 1)?;
    }
    Ok(suggestions)
}

/// Every document matching any of `queries`.
fn matches(searcher: &tantivy::Searcher, queries: &[Box<dyn Query>]) -> Result<DocsBySegment> {
    let mut docs = DocsBySegment::new();
    for query in queries {
        for address in searcher
            .search(query.as_ref(), &DocSetCollector)
            .map_err(internal)?
        {
            let segment = searcher.segment_reader(address.segment_ord).segment_id();
            docs.entry(segment).or_default().insert(address.doc_id);
        }
    }
    Ok(docs)
}

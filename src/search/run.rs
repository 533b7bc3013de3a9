//! Searches and suggestions for one viewer. Which documents the viewer may see is decided
//! for every match by the access policy's `Scope`, from current memberships, inside the
//! collector: a match the viewer may not see never reaches a result, a snippet or a count.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, QueryClone,
    RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Score, SegmentReader, TantivyDocument, Term};

use super::analyzer;
use super::index::{Fields, Generation, Kind, SECRET, internal};
use super::query::{self, Parsed};
use crate::access::Scope;
use crate::accounts;
use crate::config::SearchSettings;
use crate::db::DbConnection;
use crate::error::{Result, invalid};
use crate::groups::{self, Visibility};

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
    pub score: f32,
    /// Where the result lives in the browser.
    pub url: String,
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
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

/// A search as asked.
#[derive(Debug)]
pub struct Request<'a> {
    pub q: &'a str,
    /// Only results of this type.
    pub kind: Option<Kind>,
    pub cursor: Option<&'a str>,
    pub limit: usize,
}

/// One page of results, best first. The cursor carries the time the first page was ranked
/// at, so later pages rank the same way.
pub fn search(
    conn: &mut DbConnection,
    scope: &Scope,
    generation: &Generation,
    ranking: &SearchSettings,
    request: Request<'_>,
) -> Result<(Vec<Hit>, Option<String>)> {
    scope.viewer.require_user()?;
    let Request {
        q,
        kind,
        cursor,
        limit,
    } = request;
    let parsed = query::parse(q)?;
    let (now, offset) = match cursor {
        Some(cursor) => {
            let (now, offset) = crate::cursor::decode(cursor)?;
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
    let text = text_query(fields, &parsed, staff);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match &text {
        Some(text) => clauses.push((Occur::Must, text.box_clone())),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    let mut excluded_phrases = Vec::new();
    for excluded in &parsed.excluded {
        let Some(clause) = words_clause(fields, excluded, staff) else {
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
    if let Some(kind) = kind {
        clauses.push((Occur::Must, term_u64(fields.kind, kind.code())));
    }
    clauses.extend(filter_clauses(conn, scope, fields, &parsed)?);
    let query = BooleanQuery::new(clauses);

    let searcher = generation.reader.searcher();
    let walls = Walls::of(conn, scope)?.dropping(matches(&searcher, &excluded_phrases)?);
    let collector = TopDocs::with_limit(limit + 1)
        .and_offset(offset)
        .tweak_score(ranker(walls, ranking, now));
    let found = searcher.search(&query, &collector).map_err(internal)?;
    let allowed: Vec<(Score, DocAddress)> =
        found.into_iter().filter(|(s, _)| s.is_finite()).collect();
    let more = allowed.len() > limit;
    let snippets = match &text {
        Some(text) => Some(snippet_generator(&searcher, text.as_ref(), fields)?),
        None => None,
    };
    let hits = hits(
        conn,
        &searcher,
        fields,
        snippets.as_ref(),
        &allowed[..allowed.len().min(limit)],
    )?;
    let next = more.then(|| {
        crate::cursor::encode(
            &now.to_string(),
            i64::try_from(offset + limit).unwrap_or(i64::MAX),
        )
    });
    Ok((hits, next))
}

fn bad_cursor() -> crate::error::Error {
    crate::error::Error::bad_request("bad_cursor", "the cursor is not one this server gave out")
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
    scope.viewer.require_user()?;
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
    let typos = |word: &str| if word.chars().count() >= 4 { 1 } else { 0 };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = before
        .iter()
        .map(|w| {
            let term = Term::from_field_text(fields.name, w);
            (
                Occur::Must,
                Box::new(FuzzyTermQuery::new(term, typos(w), true)) as Box<dyn Query>,
            )
        })
        .collect();
    let last_term = Term::from_field_text(fields.name, last);
    clauses.push((
        Occur::Must,
        Box::new(FuzzyTermQuery::new_prefix(last_term, typos(last), true)),
    ));
    let names = BooleanQuery::new(clauses);

    let searcher = generation.reader.searcher();
    let walls = Walls::of(conn, scope)?;
    let now = chrono::Utc::now().timestamp();
    let mut suggestions = Suggestions::default();
    for (kind, into) in [
        (Kind::Person, &mut suggestions.people),
        (Kind::Group, &mut suggestions.groups),
        (Kind::Tag, &mut suggestions.tags),
    ] {
        let query = BooleanQuery::new(vec![
            (Occur::Must, names.box_clone()),
            (Occur::Must, term_u64(fields.kind, kind.code())),
        ]);
        let collector =
            TopDocs::with_limit(SUGGESTED).tweak_score(ranker(walls.clone(), ranking, now));
        let found: Vec<_> = searcher
            .search(&query, &collector)
            .map_err(internal)?
            .into_iter()
            .filter(|(s, _)| s.is_finite())
            .collect();
        *into = hits(conn, &searcher, fields, None, &found)?;
    }
    let parsed = Parsed {
        words: words.clone(),
        ..Parsed::default()
    };
    if let Some(text) = text_query(fields, &parsed, scope.reads_company()) {
        let query = BooleanQuery::new(vec![
            (Occur::Must, text.box_clone()),
            (Occur::Must, term_u64(fields.kind, Kind::Post.code())),
        ]);
        let collector =
            TopDocs::with_limit(SUGGESTED_POSTS).tweak_score(ranker(walls, ranking, now));
        let found: Vec<_> = searcher
            .search(&query, &collector)
            .map_err(internal)?
            .into_iter()
            .filter(|(s, _)| s.is_finite())
            .collect();
        let snippets = snippet_generator(&searcher, text.as_ref(), fields)?;
        suggestions.posts = hits(conn, &searcher, fields, Some(&snippets), &found)?;
    }
    Ok(suggestions)
}

/// Documents by segment.
type DocsBySegment = HashMap<SegmentId, HashSet<DocId>>;

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

/// What the viewer may see, asked of the access policy for each match, and what the query
/// drops besides.
#[derive(Clone)]
struct Walls {
    scope: Arc<Scope>,
    /// The people a guest may see; `None`: everyone.
    circle: Option<Arc<HashSet<i64>>>,
    dropped: Arc<DocsBySegment>,
}

impl Walls {
    fn of(conn: &mut DbConnection, scope: &Scope) -> Result<Walls> {
        let circle = accounts::access::guest_circle(conn, scope)?;
        Ok(Walls {
            scope: Arc::new(scope.clone()),
            circle: circle.map(|ids| Arc::new(ids.into_iter().collect())),
            dropped: Arc::default(),
        })
    }

    fn dropping(self, dropped: DocsBySegment) -> Walls {
        Walls {
            dropped: Arc::new(dropped),
            ..self
        }
    }

    fn allows(
        &self,
        kind: u64,
        id: i64,
        group: i64,
        visibility: u64,
        tag_groups: &mut dyn Iterator<Item = i64>,
    ) -> bool {
        match Kind::from_code(kind) {
            Some(Kind::Post) => self.scope.reads_posts_in((group != 0).then_some(group)),
            Some(Kind::Group) => {
                let visibility = if visibility == SECRET {
                    Visibility::Secret
                } else {
                    Visibility::Private
                };
                self.scope.sees_group_with(id, visibility)
            }
            Some(Kind::Person) => self.circle.as_ref().is_none_or(|c| c.contains(&id)),
            // A tag is a word of the posts that carry it: found by those who read one of them.
            Some(Kind::Tag) => {
                for g in &mut *tag_groups {
                    if self.scope.reads_posts_in((g != 0).then_some(g)) {
                        return true;
                    }
                }
                false
            }
            None => false,
        }
    }
}

/// The scoring of each match: relevance, lifted by engagement, decayed by age; minus infinity
/// for what the viewer may not see (dropped before anything is shown).
fn ranker(
    walls: Walls,
    ranking: &SearchSettings,
    now: i64,
) -> impl Fn(&SegmentReader) -> Box<dyn Fn(tantivy::DocId, Score) -> Score> + Send + Sync + 'static
{
    let (recency_days, weight) = (ranking.recency_days, ranking.engagement_weight);
    move |segment: &SegmentReader| {
        let fast = segment.fast_fields();
        let column_i64 = |name: &str| fast.i64(name).map(|c| c.first_or_default_col(0)).ok();
        let column_u64 = |name: &str| fast.u64(name).map(|c| c.first_or_default_col(0)).ok();
        let (kind, id, group, created) = (
            column_u64("kind"),
            column_i64("id"),
            column_i64("group"),
            column_i64("created"),
        );
        let (visibility, engagement) = (column_u64("visibility"), column_u64("engagement"));
        let tag_groups = fast.i64("tag_groups").ok();
        let walls = walls.clone();
        let dropped = walls
            .dropped
            .get(&segment.segment_id())
            .cloned()
            .unwrap_or_default();
        let post = Kind::Post.code();
        // Runs for every match: posts, nearly all of them, take the shortest path.
        Box::new(move |doc, score| {
            if !dropped.is_empty() && dropped.contains(&doc) {
                return Score::NEG_INFINITY;
            }
            let read_i64 = |c: &Option<Arc<dyn tantivy::columnar::ColumnValues<i64>>>| {
                c.as_ref().map_or(0, |c| c.get_val(doc))
            };
            let read_u64 = |c: &Option<Arc<dyn tantivy::columnar::ColumnValues<u64>>>| {
                c.as_ref().map_or(0, |c| c.get_val(doc))
            };
            let (kind, group) = (read_u64(&kind), read_i64(&group));
            let allowed = if kind == post {
                walls.scope.reads_posts_in((group != 0).then_some(group))
            } else {
                let mut tag_groups = tag_groups.iter().flat_map(|c| c.values_for_doc(doc));
                walls.allows(
                    kind,
                    read_i64(&id),
                    group,
                    read_u64(&visibility),
                    &mut tag_groups,
                )
            };
            if !allowed {
                return Score::NEG_INFINITY;
            }
            let lift = 1.0 + weight * (read_u64(&engagement) as f32).ln_1p();
            let age_days = if kind == post {
                (now - read_i64(&created)).max(0) as f32 / 86_400.0
            } else {
                0.0
            };
            score * lift / (1.0 + age_days / recency_days)
        })
    }
}

fn term_u64(field: tantivy::schema::Field, value: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, value),
        IndexRecordOption::Basic,
    ))
}

fn term_i64(field: tantivy::schema::Field, value: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_i64(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Every word and phrase must match, somewhere in a post, its comments or a name; `staff`
/// (employees) also searches the comments for employees only.
fn text_query(fields: &Fields, parsed: &Parsed, staff: bool) -> Option<Box<dyn Query>> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = parsed
        .words
        .iter()
        .chain(&parsed.phrases)
        .filter_map(|words| words_clause(fields, words, staff))
        .map(|clause| (Occur::Must, clause))
        .collect();
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

/// A word or a phrase, in the text (full weight), a name (double) or the comments (half).
/// `None` when it has no letters or digits.
fn words_clause(fields: &Fields, words: &str, staff: bool) -> Option<Box<dyn Query>> {
    let prose = analyzer::terms(&mut analyzer::prose(), words);
    let names = analyzer::terms(&mut analyzer::names(), words);
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
    let clauses: Vec<_> = [
        in_field(fields.text, &prose).map(|q| (Occur::Should, q)),
        boosted(in_field(fields.name, &names), 2.0),
        boosted(in_field(fields.comments, &prose), 0.5),
        boosted(
            in_field(fields.staff_comments, &prose).filter(|_| staff),
            0.5,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

/// `from:`, `in:`, `#tag` and dates, resolved to what the viewer may see: an unknown handle or
/// a group the viewer cannot see is a field error that names only what was typed.
fn filter_clauses(
    conn: &mut DbConnection,
    scope: &Scope,
    fields: &Fields,
    parsed: &Parsed,
) -> Result<Vec<(Occur, Box<dyn Query>)>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !parsed.from.is_empty() {
        let found = accounts::access::users_by_handle(conn, &parsed.from)?;
        let circle = accounts::access::guest_circle(conn, scope)?;
        let mut authors = Vec::new();
        for handle in &parsed.from {
            match found.get(handle) {
                Some(user) if circle.as_ref().is_none_or(|c| c.contains(&user.id)) => {
                    authors.push((Occur::Should, term_i64(fields.author, user.id)));
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
                Some(group) => groups.push((Occur::Should, term_i64(fields.group, group.id))),
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

fn snippet_generator(
    searcher: &tantivy::Searcher,
    text: &dyn Query,
    fields: &Fields,
) -> Result<SnippetGenerator> {
    let mut generator = SnippetGenerator::create(searcher, text, fields.text).map_err(internal)?;
    generator.set_max_num_chars(SNIPPET_CHARS);
    Ok(generator)
}

/// The results for `found`, with titles, snippets and links.
fn hits(
    conn: &mut DbConnection,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    snippets: Option<&SnippetGenerator>,
    found: &[(Score, DocAddress)],
) -> Result<Vec<Hit>> {
    let mut docs = Vec::with_capacity(found.len());
    for (score, address) in found {
        let doc: TantivyDocument = searcher.doc(*address).map_err(internal)?;
        docs.push((*score, doc));
    }
    let number =
        |doc: &TantivyDocument, field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
    let text = |doc: &TantivyDocument, field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    // Names of authors are read now, so a renamed person shows under the new name.
    let authors: Vec<i64> = docs
        .iter()
        .map(|(_, d)| number(d, fields.author))
        .filter(|&a| a != 0)
        .collect();
    let names = accounts::access::users_by_id(conn, &authors)?;
    Ok(docs
        .iter()
        .map(|(score, doc)| {
            let id = number(doc, fields.id);
            let kind = doc
                .get_first(fields.key)
                .and_then(|v| v.as_str())
                .and_then(|k| k.split(':').next())
                .and_then(Kind::parse)
                .unwrap_or(Kind::Post);
            let body = text(doc, fields.text);
            let snippet = match snippets.map(|g| g.snippet(&body)) {
                Some(mut snippet) if !snippet.fragment().is_empty() => {
                    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                    snippet.to_html()
                }
                _ => crate::html::escape(&body.chars().take(SNIPPET_CHARS).collect::<String>()),
            };
            let (title, url) = match kind {
                Kind::Post => (
                    names
                        .get(&number(doc, fields.author))
                        .map_or_else(String::new, |u| u.name.clone()),
                    format!("/posts/{id}"),
                ),
                Kind::Person => (text(doc, fields.label), format!("/people/{id}")),
                Kind::Group => (text(doc, fields.label), format!("/groups/{id}")),
                Kind::Tag => {
                    let label = text(doc, fields.label);
                    let url = format!("/tags/{}", label.trim_start_matches('#'));
                    (label, url)
                }
            };
            Hit {
                kind: kind.as_str(),
                id: id.to_string(),
                title,
                snippet,
                score: *score,
                url,
            }
        })
        .collect())
}

//! The index on disk: its schema, the generation directory in use, the one writer, and commits
//! that carry the id of the last event applied, so a restart resumes exactly there.
//!
//! Layout: `<data_dir>/search/CURRENT` names the generation directory in use
//! (`<data_dir>/search/gen-<millis>`). A rebuild writes a new generation beside it and swaps
//! `CURRENT` atomically (write + rename); the server notices and reopens.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use super::analyzer;
use super::authors::AuthorNames;
use super::columns::Columns;
use crate::error::{Error, Result};

/// What a document stands for; stored in the `kind` fast field as this number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Post = 0,
    Person = 1,
    Group = 2,
    Tag = 3,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Post, Kind::Person, Kind::Group, Kind::Tag];

    pub fn code(self) -> u64 {
        self as u64
    }

    pub fn from_code(code: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name used by the API (`type`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Person => "person",
            Kind::Group => "group",
            Kind::Tag => "tag",
        }
    }

    /// Reads the API's `type` (singular or plural).
    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "post" | "posts" => Some(Kind::Post),
            "person" | "people" => Some(Kind::Person),
            "group" | "groups" => Some(Kind::Group),
            "tag" | "tags" => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// The group visibility of a group document, as a fast-field number (0 for other kinds).
pub fn visibility_code(visibility: &str) -> u64 {
    match visibility {
        "public" => 1,
        "private" => 2,
        _ => 3,
    }
}
pub const SECRET: u64 = 3;
/// The visibility code of a post for employees only (0: any other post).
pub const EMPLOYEES_ONLY: u64 = 4;

/// The schema's fields.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// `kind:id`, unique: what updates and deletes address.
    pub key: tantivy::schema::Field,
    pub kind: tantivy::schema::Field,
    pub id: tantivy::schema::Field,
    /// People's names and handles, group and tag names (no stemming).
    pub name: tantivy::schema::Field,
    /// Post bodies, people's titles and bios, group descriptions (stemmed, stored for snippets).
    pub text: tantivy::schema::Field,
    /// The comments of a post that guests may see.
    pub comments: tantivy::schema::Field,
    /// Its comments for employees only: searched only for employees.
    pub staff_comments: tantivy::schema::Field,
    /// What a result is called: the author of a post, a person's or group's name, `#tag`.
    pub label: tantivy::schema::Field,
    /// A post's group (0: the company feed); a group's own id.
    pub group: tantivy::schema::Field,
    pub visibility: tantivy::schema::Field,
    /// A tag's: the groups of the posts that carry it (0: the company feed), one value each.
    pub tag_groups: tantivy::schema::Field,
    pub author: tantivy::schema::Field,
    pub tag: tantivy::schema::Field,
    /// Unix seconds.
    pub created: tantivy::schema::Field,
    /// Likes plus comments.
    pub engagement: tantivy::schema::Field,
    /// What a post is, for `is:` (see `query::QUESTION`), one term each.
    pub marks: tantivy::schema::Field,
    /// The links of a post's own body, as stored, one term each.
    pub links: tantivy::schema::Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let indexed_text = |analyzer: &str, stored: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let options = TextOptions::default().set_indexing_options(indexing);
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let fields = Fields {
            key: builder.add_text_field("key", STRING | STORED),
            kind: builder.add_u64_field("kind", INDEXED | FAST),
            id: builder.add_i64_field("id", INDEXED | FAST | STORED),
            name: builder.add_text_field("name", indexed_text(analyzer::NAMES, false)),
            text: builder.add_text_field("text", indexed_text(analyzer::PROSE, true)),
            comments: builder.add_text_field("comments", indexed_text(analyzer::PROSE, false)),
            staff_comments: builder
                .add_text_field("staff_comments", indexed_text(analyzer::PROSE, false)),
            label: builder.add_text_field("label", STORED),
            group: builder.add_i64_field("group", INDEXED | FAST | STORED),
            visibility: builder.add_u64_field("visibility", FAST),
            tag_groups: builder.add_i64_field("tag_groups", FAST),
            author: builder.add_i64_field("author", INDEXED | FAST | STORED),
            tag: builder.add_text_field("tag", STRING),
            created: builder.add_i64_field("created", INDEXED | FAST | STORED),
            engagement: builder.add_u64_field("engagement", FAST),
            marks: builder.add_text_field("marks", STRING),
            links: builder.add_text_field("links", STRING),
        };
        (builder.build(), fields)
    }

    pub fn key_term(&self, kind: Kind, id: i64) -> Term {
        Term::from_field_text(self.key, &key(kind, id))
    }
}

pub fn key(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

/// Where the document of `kind` and `id` is in what `searcher` sees, if there is one.
pub fn address_of(
    searcher: &Searcher,
    fields: &Fields,
    kind: Kind,
    id: i64,
) -> Result<Option<DocAddress>> {
    let query = TermQuery::new(fields.key_term(kind, id), IndexRecordOption::Basic);
    let found = searcher
        .search(&query, &TopDocs::with_limit(1).order_by_score())
        .map_err(internal)?;
    Ok(found.first().map(|(_, address)| *address))
}

/// One generation of the index, open for reading and writing.
pub struct Generation {
    pub dir: PathBuf,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Fast-field columns of its segments, opened once each.
    pub columns: Columns,
    /// Names of posts' authors, for results' titles.
    pub authors: AuthorNames,
    writer: Mutex<Option<IndexWriter>>,
}

/// Heap for the writer's in-memory segment before it flushes.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

impl Generation {
    /// Opens (or creates) the generation in `dir`.
    pub fn open(dir: &Path) -> Result<Generation> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let (schema, fields) = Fields::schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(internal)?;
        let index = Index::open_or_create(directory, schema).map_err(internal)?;
        analyzer::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Generation {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            columns: Columns::default(),
            authors: AuthorNames::default(),
            writer: Mutex::new(None),
        })
    }

    /// The id of the last event whose effects this generation holds (0: none yet).
    pub fn applied_event(&self) -> Result<i64> {
        let metas = self.index.load_metas().map_err(internal)?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Runs `change` with the writer (taken on first use, so a read-only opener never
    /// locks the directory), then commits it together with `applied_event`, and makes it
    /// visible to searches.
    pub fn write(
        &self,
        threads: usize,
        applied_event: i64,
        change: impl FnOnce(&IndexWriter, &Fields) -> Result<()>,
    ) -> Result<()> {
        let mut slot = self
            .writer
            .lock()
            .map_err(|_| Error::internal("search writer poisoned"))?;
        if slot.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(threads, WRITER_HEAP * threads)
                .map_err(internal)?;
            *slot = Some(writer);
        }
        let writer = slot
            .as_mut()
            .ok_or_else(|| Error::internal("no search writer"))?;
        let outcome = change(writer, &self.fields).and_then(|()| {
            let mut commit = writer.prepare_commit().map_err(internal)?;
            commit.set_payload(&applied_event.to_string());
            commit.commit().map_err(internal)?;
            Ok(())
        });
        if outcome.is_err() {
            // Nothing half-done may reach a later commit.
            let _ = writer.rollback();
        }
        outcome?;
        self.reader.reload().map_err(internal)
    }

    /// Replaces (or adds) one document.
    pub fn put(
        writer: &IndexWriter,
        fields: &Fields,
        kind: Kind,
        id: i64,
        doc: TantivyDocument,
    ) -> Result<()> {
        writer.delete_term(fields.key_term(kind, id));
        writer.add_document(doc).map_err(internal)?;
        Ok(())
    }

    /// The places (group ids, 0 for the company feed) that the documents of `tags` list now,
    /// by tag id; a tag without a document is absent.
    pub fn tag_places(&self, tags: &[i64]) -> Result<HashMap<i64, HashSet<i64>>> {
        let searcher = self.reader.searcher();
        let mut places = HashMap::new();
        for &tag in tags {
            let Some(address) = address_of(&searcher, &self.fields, Kind::Tag, tag)? else {
                continue;
            };
            let columns = self
                .columns
                .of(searcher.segment_reader(address.segment_ord));
            let listed = columns
                .tag_groups
                .as_ref()
                .map_or_else(HashSet::new, |column| {
                    column.values_for_doc(address.doc_id).collect()
                });
            places.insert(tag, listed);
        }
        Ok(places)
    }

    /// Waits for merges to finish and releases the writer's lock on the directory.
    pub fn close_writer(&self) -> Result<()> {
        let mut slot = self
            .writer
            .lock()
            .map_err(|_| Error::internal("search writer poisoned"))?;
        if let Some(writer) = slot.take() {
            writer.wait_merging_threads().map_err(internal)?;
        }
        Ok(())
    }
}

/// The index in use, swapped for a rebuilt one when `CURRENT` changes.
pub struct SearchIndex {
    root: PathBuf,
    current: RwLock<Arc<Generation>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("root", &self.root)
            .finish()
    }
}

const CURRENT: &str = "CURRENT";

/// Whether the generation in `dir` has this version's fields (or is not made yet).
fn holds_current_schema(dir: &Path) -> Result<bool> {
    let Ok(directory) = tantivy::directory::MmapDirectory::open(dir) else {
        return Ok(true);
    };
    if !Index::exists(&directory).map_err(internal)? {
        return Ok(true);
    }
    let index = Index::open(directory).map_err(internal)?;
    Ok(index.schema() == Fields::schema().0)
}

impl SearchIndex {
    /// Opens the index under `<data_dir>/search`, creating an empty one the first time.
    pub fn open(data_dir: &Path) -> Result<SearchIndex> {
        let root = data_dir.join("search");
        std::fs::create_dir_all(&root).map_err(|e| io_error(&root, e))?;
        let name = match current_name(&root)? {
            Some(name) if holds_current_schema(&root.join(&name))? => name,
            stale => {
                if let Some(stale) = stale {
                    // Built by an older version: start afresh; the indexer replays the event
                    // log into it (`agora reindex` rebuilds faster).
                    tracing::warn!(generation = %stale, "the search index's fields changed: rebuilding it");
                }
                let name = new_generation_name();
                set_current(&root, &name)?;
                name
            }
        };
        let generation = Generation::open(&root.join(&name))?;
        Ok(SearchIndex {
            root,
            current: RwLock::new(Arc::new(generation)),
        })
    }

    /// The generation in use now.
    pub fn current(&self) -> Arc<Generation> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Switches to the generation `CURRENT` names if a rebuild changed it; true if it did.
    /// Generations no longer named are removed.
    pub fn follow_swap(&self) -> Result<bool> {
        let Some(name) = current_name(&self.root)? else {
            return Ok(false);
        };
        let old = self.current();
        if old.dir.file_name().is_some_and(|n| n == name.as_str()) {
            return Ok(false);
        }
        old.close_writer()?;
        let generation = Arc::new(Generation::open(&self.root.join(&name))?);
        *self
            .current
            .write()
            .map_err(|_| Error::internal("search index poisoned"))? = generation;
        tracing::info!(generation = %name, "search index swapped to a rebuilt one");
        remove_older_generations(&self.root, &name);
        Ok(true)
    }

    /// A fresh, empty generation directory for a rebuild (not yet in use).
    pub fn new_generation(&self) -> Result<Generation> {
        Generation::open(&self.root.join(new_generation_name()))
    }

    /// Makes `generation` the one in use, for this process and (through `CURRENT`) any other.
    pub fn promote(&self, generation: &Generation) -> Result<()> {
        let name = generation
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::internal("search generation without a name"))?;
        set_current(&self.root, name)?;
        self.follow_swap()?;
        Ok(())
    }
}

fn new_generation_name() -> String {
    format!("gen-{}", chrono::Utc::now().timestamp_millis())
}

fn current_name(root: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(root.join(CURRENT)) {
        Ok(name) => Ok(Some(name.trim().to_string()).filter(|n| !n.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&root.join(CURRENT), e)),
    }
}

/// Points `CURRENT` at `name` atomically: readers see the old name or the new, never half.
fn set_current(root: &Path, name: &str) -> Result<()> {
    let temporary = root.join("CURRENT.new");
    std::fs::write(&temporary, name).map_err(|e| io_error(&temporary, e))?;
    std::fs::File::open(&temporary)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(&temporary, e))?;
    std::fs::rename(&temporary, root.join(CURRENT)).map_err(|e| io_error(root, e))
}

/// Removes the generations older than `keep` (a newer one may be a rebuild under way).
pub fn remove_older_generations(root: &Path, keep: &str) {
    let age = |name: &str| {
        name.strip_prefix("gen-")
            .and_then(|n| n.parse::<i64>().ok())
    };
    let Some(kept) = age(keep) else { return };
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if age(&name).is_some_and(|a| a < kept)
            && let Err(error) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(%error, generation = %name, "cannot remove an old search generation");
        }
    }
}

fn io_error(path: &Path, error: std::io::Error) -> Error {
    Error::internal(format!("{}: {error}", path.display()))
}

pub fn internal(error: impl std::fmt::Display) -> Error {
    Error::internal(format!("search index: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_built_with_other_fields_is_replaced_by_a_fresh_one() {
        let data = tempfile::tempdir().unwrap();
        let root = data.path().join("search");
        let stale = root.join("gen-1");
        std::fs::create_dir_all(&stale).unwrap();
        let mut older = Schema::builder();
        older.add_text_field("text", STRING);
        Index::create_in_dir(&stale, older.build()).unwrap();
        set_current(&root, "gen-1").unwrap();

        let search = SearchIndex::open(data.path()).unwrap();
        let current = search.current();
        assert_ne!(current.dir, stale, "a new generation is in use");
        assert_eq!(current.index.schema(), Fields::schema().0);
        assert_eq!(
            current.applied_event().unwrap(),
            0,
            "it replays the log from the start"
        );
        // Opened again, the fresh generation is kept.
        let again = SearchIndex::open(data.path()).unwrap();
        assert_eq!(again.current().dir, current.dir);
    }
}

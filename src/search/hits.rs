//! Results as the API shows them: titles, snippets with `<mark>` around matches, links.

use tantivy::schema::Value;
use tantivy::{DocAddress, Score, TantivyDocument};

use super::index::{Generation, Kind, internal};
use super::run::Hit;
use super::snippets::Snippets;
use crate::db::DbConnection;
use crate::error::Result;

/// The results for `found` (best first, the first of them at `first_rank`, from 1), with
/// titles, snippets and links.
///
/// Each result's `score` is its rank, `1 / rank`, never its relevance: relevance comes from
/// index-wide term statistics, which count posts the viewer may not read, so comparing raw
/// scores across searches would tell whether a word occurs where she cannot look.
pub(super) fn hits(
    conn: &mut DbConnection,
    generation: &Generation,
    searcher: &tantivy::Searcher,
    mut snippets: Option<&mut Snippets>,
    found: &[(Score, DocAddress)],
    first_rank: usize,
) -> Result<Vec<Hit>> {
    let fields = &generation.fields;
    let mut docs = Vec::with_capacity(found.len());
    for (position, (_, address)) in found.iter().enumerate() {
        let doc: TantivyDocument = searcher.doc(*address).map_err(internal)?;
        docs.push((rank_score(first_rank.saturating_add(position)), doc));
    }
    let number =
        |doc: &TantivyDocument, field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
    let text = |doc: &TantivyDocument, field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let kind_of = |doc: &TantivyDocument| {
        doc.get_first(fields.key)
            .and_then(|v| v.as_str())
            .and_then(|k| k.split(':').next())
            .and_then(Kind::parse)
            .unwrap_or(Kind::Post)
    };
    // Names of authors are current ones, so a renamed person shows under the new name; people
    // found are looked up too, for the mark of a guest.
    let person = |doc: &TantivyDocument| match kind_of(doc) {
        Kind::Post => number(doc, fields.author),
        Kind::Person => number(doc, fields.id),
        Kind::Group | Kind::Tag => 0,
    };
    let people: Vec<i64> = docs
        .iter()
        .map(|(_, d)| person(d))
        .filter(|&a| a != 0)
        .collect();
    let authors = generation.authors.of(conn, &people)?;
    Ok(docs
        .iter()
        .map(|(score, doc)| {
            let id = number(doc, fields.id);
            let kind = kind_of(doc);
            let author = authors.get(&person(doc));
            let body = text(doc, fields.text);
            let snippet = snippets
                .as_mut()
                .and_then(|snippets| snippets.html(&body))
                .unwrap_or_else(|| {
                    crate::html::escape(
                        &body
                            .chars()
                            .take(super::snippets::SNIPPET_LENGTH)
                            .collect::<String>(),
                    )
                });
            let (title, url) = match kind {
                Kind::Post => (
                    author.map(|a| a.name.clone()).unwrap_or_default(),
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
                guest_domain: author.and_then(|a| a.guest_domain.clone()),
            }
        })
        .collect())
}

/// The score shown for the result at `rank` (from 1): falls with the rank, tells nothing else.
fn rank_score(rank: usize) -> f32 {
    1.0 / rank.max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::rank_score;

    #[test]
    fn shown_scores_follow_the_rank_alone() {
        assert_eq!(rank_score(1), 1.0);
        assert_eq!(rank_score(4), 0.25);
        assert!(rank_score(20) < rank_score(19));
    }
}

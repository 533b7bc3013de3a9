//! Snippets: the best fragment of a result's text with `<mark>` around the words that match.
//!
//! Finding them re-reads each shown text with the prose analyzer, and stemming every word is
//! most of that cost. English stemming never changes a word's first letter, so a word whose
//! first letter starts no searched term cannot match, and is left unstemmed.
//!
//! The fragments are scored as tantivy's own snippet generator scores them (each matching
//! word adds its term's weight, rarer terms weigh more), without its per-word lowercased copy
//! and map lookup: the analyzer has lowercased the word already, and a search has few terms.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use tantivy::query::Query;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use tantivy::{Score, Term};

use super::analyzer::{self, Words};
use super::index::{Fields, internal};
use crate::error::Result;
use crate::html::escape_into;

/// Longest snippet, in bytes of text (a little less for text outside ASCII).
pub(super) const SNIPPET_LENGTH: usize = 200;

/// Makes the snippets of one search's results.
pub(super) struct Snippets {
    /// The searched terms of the text field and their weights.
    terms: Vec<(String, Score)>,
    analyzer: TextAnalyzer,
}

/// A run of words no longer than `SNIPPET_LENGTH`, and the matches in it.
struct Fragment {
    span: Range<usize>,
    score: Score,
    marks: Vec<Range<usize>>,
}

impl Fragment {
    fn starting_at(start: usize) -> Fragment {
        Fragment {
            span: start..start,
            score: 0.0,
            marks: Vec::new(),
        }
    }
}

impl Snippets {
    /// Snippets of the text field for the words of `text`.
    pub(super) fn new(
        searcher: &tantivy::Searcher,
        text: &dyn Query,
        fields: &Fields,
    ) -> Result<Snippets> {
        let mut searched: BTreeSet<&Term> = BTreeSet::new();
        text.query_terms(&mut |term, _| {
            if term.field() == fields.text {
                searched.insert(term);
            }
        });
        let mut terms = Vec::new();
        for term in searched {
            let value = term.value();
            let Some(word) = value.as_str() else {
                continue;
            };
            let doc_freq = searcher.doc_freq(term).map_err(internal)?;
            if doc_freq > 0 {
                terms.push((word.to_string(), 1.0 / (1.0 + doc_freq as Score)));
            }
        }
        let firsts: Arc<[char]> = terms.iter().filter_map(|(w, _)| w.chars().next()).collect();
        Ok(Snippets {
            terms,
            analyzer: prose_starting_with(firsts),
        })
    }

    /// The best fragment of `text` as HTML, the matches in `<mark>` and everything else
    /// escaped; `None` when no searched word is in it.
    pub(super) fn html(&mut self, text: &str) -> Option<String> {
        let best = self.best_fragment(text)?;
        let mut html = String::with_capacity(best.span.len() + 13 * best.marks.len());
        let mut at = best.span.start;
        for mark in &best.marks {
            escape_into(&mut html, &text[at..mark.start]);
            html.push_str("<mark>");
            escape_into(&mut html, &text[mark.clone()]);
            html.push_str("</mark>");
            at = mark.end;
        }
        escape_into(&mut html, &text[at..best.span.end]);
        Some(html)
    }

    /// The highest-scoring fragment (the first of equals), if any word matched.
    fn best_fragment(&mut self, text: &str) -> Option<Fragment> {
        let mut best: Option<Fragment> = None;
        let mut keep = |fragment: Fragment| {
            if fragment.score > 0.0 && best.as_ref().is_none_or(|b| fragment.score > b.score) {
                best = Some(fragment);
            }
        };
        let mut fragment = Fragment::starting_at(0);
        let mut words = self.analyzer.token_stream(text);
        while let Some(word) = words.next() {
            if word.offset_to - fragment.span.start > SNIPPET_LENGTH {
                keep(std::mem::replace(
                    &mut fragment,
                    Fragment::starting_at(word.offset_from),
                ));
            }
            fragment.span.end = word.offset_to;
            if word.text.is_empty() {
                continue;
            }
            if let Some((_, weight)) = self.terms.iter().find(|(term, _)| *term == word.text) {
                fragment.score += weight;
                fragment.marks.push(word.offset_from..word.offset_to);
            }
        }
        keep(fragment);
        best
    }
}

/// The prose analyzer, stemming only words that start with one of `firsts`.
fn prose_starting_with(firsts: Arc<[char]>) -> TextAnalyzer {
    TextAnalyzer::builder(Words::default())
        .filter(RemoveLongFilter::limit(analyzer::LONGEST_TERM))
        .filter(LowerCaser)
        .filter(OnlyStartingWith(firsts))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Empties every word that starts with none of its letters (so nothing is left to stem).
#[derive(Clone)]
struct OnlyStartingWith(Arc<[char]>);

impl TokenFilter for OnlyStartingWith {
    type Tokenizer<T: Tokenizer> = OnlyStartingWithFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> OnlyStartingWithFilter<T> {
        OnlyStartingWithFilter {
            firsts: self.0,
            tokenizer,
        }
    }
}

#[derive(Clone)]
struct OnlyStartingWithFilter<T> {
    firsts: Arc<[char]>,
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for OnlyStartingWithFilter<T> {
    type TokenStream<'a> = OnlyStartingWithStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        OnlyStartingWithStream {
            firsts: &self.firsts,
            tail: self.tokenizer.token_stream(text),
        }
    }
}

struct OnlyStartingWithStream<'a, T> {
    firsts: &'a [char],
    tail: T,
}

impl<T: TokenStream> TokenStream for OnlyStartingWithStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token
            .text
            .chars()
            .next()
            .is_some_and(|c| !self.firsts.contains(&c))
        {
            token.text.clear();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_keeps_the_first_letter() {
        let words = "Shipping releases happily skies dying lying tying early only singly \
                     ugly generously cats running agreed Yelling yes 'tis über Привет 東京 \
                     42nd v2 x";
        let mut prose = analyzer::prose();
        let mut plain = analyzer::names();
        let (stems, lowered) = (
            analyzer::terms(&mut prose, words),
            analyzer::terms(&mut plain, words),
        );
        assert_eq!(stems.len(), lowered.len());
        for (stem, word) in stems.iter().zip(&lowered) {
            assert_eq!(stem.chars().next(), word.chars().next(), "{word} → {stem}");
        }
    }

    #[test]
    fn only_words_that_could_match_are_stemmed() {
        let mut snippets = prose_starting_with(['r', 's'].into_iter().collect());
        assert_eq!(
            analyzer::terms(&mut snippets, "Shipping the releases, v2!"),
            ["ship", "", "releas", ""]
        );
    }

    fn snippets_of(words: &[(&str, Score)]) -> Snippets {
        let terms: Vec<(String, Score)> = words.iter().map(|(w, s)| (w.to_string(), *s)).collect();
        let firsts = terms.iter().filter_map(|(w, _)| w.chars().next()).collect();
        Snippets {
            terms,
            analyzer: prose_starting_with(firsts),
        }
    }

    #[test]
    fn matches_are_marked_and_the_rest_escaped() {
        let mut snippets = snippets_of(&[("ship", 0.5)]);
        assert_eq!(
            snippets
                .html("<b>We</b> Shipped it & ships sail")
                .as_deref(),
            Some("&lt;b&gt;We&lt;/b&gt; <mark>Shipped</mark> it &amp; <mark>ships</mark> sail")
        );
        assert_eq!(snippets.html("nothing to see"), None);
    }

    #[test]
    fn the_fragment_with_the_rarest_words_wins() {
        let filler = "lorem ipsum dolor ".repeat(20);
        let text = format!("common start {filler} the rare word here {filler}");
        let mut snippets = snippets_of(&[("common", 0.1), ("rare", 0.9)]);
        let html = snippets.html(&text).unwrap_or_default();
        assert!(html.contains("<mark>rare</mark>"), "{html}");
        assert!(!html.contains("common"), "{html}");
        assert!(html.len() <= SNIPPET_LENGTH + 13, "{html}");
    }
}

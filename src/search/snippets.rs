//! Snippets: the best fragment of a result's text with `<mark>` around the words that match.
//!
//! Finding them re-reads each shown text with the prose analyzer, and stemming every word is
//! most of that cost. English stemming never changes a word's first letter, so a word whose
//! first letter starts no searched term cannot match, and is left unstemmed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tantivy::query::Query;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use tantivy::{Score, Term};

use super::analyzer::{self, Words};
use super::index::{Fields, internal};
use crate::error::Result;

/// Longest snippet, in characters.
pub(super) const SNIPPET_CHARS: usize = 200;

/// Snippets of the text field for the words of `text`.
pub(super) fn snippet_generator(
    searcher: &tantivy::Searcher,
    text: &dyn Query,
    fields: &Fields,
) -> Result<SnippetGenerator> {
    let mut terms: BTreeSet<&Term> = BTreeSet::new();
    text.query_terms(&mut |term, _| {
        if term.field() == fields.text {
            terms.insert(term);
        }
    });
    // As tantivy's own generator weighs them: rarer terms make the better fragment.
    let mut weights: BTreeMap<String, Score> = BTreeMap::new();
    for term in terms {
        let value = term.value();
        let Some(word) = value.as_str() else {
            continue;
        };
        let doc_freq = searcher.doc_freq(term).map_err(internal)?;
        if doc_freq > 0 {
            weights.insert(word.to_string(), 1.0 / (1.0 + doc_freq as Score));
        }
    }
    let firsts: Arc<[char]> = weights.keys().filter_map(|w| w.chars().next()).collect();
    Ok(SnippetGenerator::new(
        weights,
        prose_starting_with(firsts),
        fields.text,
        SNIPPET_CHARS,
    ))
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
}

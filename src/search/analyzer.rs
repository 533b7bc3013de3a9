//! How text becomes terms. Words are runs of letters and digits in any script; Chinese,
//! Japanese and Korean, written without spaces, become one term per character, so a search for
//! a word of theirs is a phrase of its characters. Prose is lowercased and stemmed as English
//! (which leaves words of other scripts as they are); names are lowercased only, so typeahead
//! matches what was typed.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Analyzer of prose: post bodies, comments, descriptions.
pub const PROSE: &str = "agora_prose";
/// Analyzer of names: people, groups, tags.
pub const NAMES: &str = "agora_names";

/// Longest term kept, in bytes; longer ones are noise (hashes, base64).
pub(super) const LONGEST_TERM: usize = 40;

pub fn prose() -> TextAnalyzer {
    TextAnalyzer::builder(Words::default())
        .filter(RemoveLongFilter::limit(LONGEST_TERM))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn names() -> TextAnalyzer {
    TextAnalyzer::builder(Words::default())
        .filter(RemoveLongFilter::limit(LONGEST_TERM))
        .filter(LowerCaser)
        .build()
}

/// Registers both analyzers with `index`.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(PROSE, prose());
    index.tokenizers().register(NAMES, names());
}

/// Scripts written without spaces between words.
fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}' // CJK Extension A
        | '\u{4e00}'..='\u{9fff}' // CJK Unified Ideographs
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{f900}'..='\u{faff}' // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{2ffff}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_unspaced(c)
}

/// Splits text into words and single unspaced-script characters.
#[derive(Clone, Default)]
pub struct Words {
    token: Token,
}

pub struct WordStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.at..];
        let Some((start, first)) = rest
            .char_indices()
            .find(|&(_, c)| is_word_char(c) || is_unspaced(c))
        else {
            self.at = self.text.len();
            return false;
        };
        let from = self.at + start;
        let to = if is_unspaced(first) {
            from + first.len_utf8()
        } else {
            let word = &self.text[from..];
            from + word.find(|c: char| !is_word_char(c)).unwrap_or(word.len())
        };
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.at = to;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The terms `analyzer` makes of `text`.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_stemmed_and_other_scripts_survive() {
        assert_eq!(
            terms(&mut prose(), "Shipping the releases, v2!"),
            ["ship", "the", "releas", "v2"]
        );
        assert_eq!(terms(&mut prose(), "Привет, мир"), ["привет", "мир"]);
        assert_eq!(terms(&mut prose(), "مرحبا بالعالم"), ["مرحبا", "بالعالم"]);
        assert_eq!(
            terms(&mut prose(), "東京タワーへ go"),
            ["東", "京", "タ", "ワ", "ー", "へ", "go"]
        );
        assert!(terms(&mut prose(), "  ,;  ").is_empty());
    }

    #[test]
    fn names_keep_their_words_whole() {
        assert_eq!(
            terms(&mut names(), "Ana-María López"),
            ["ana", "maría", "lópez"]
        );
        assert_eq!(terms(&mut names(), "releases"), ["releases"]);
    }
}

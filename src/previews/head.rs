//! A read of a page's `<head>` with html5ever's tokenizer: the raw values that preview
//! metadata is made of, before any cleaning. Reading stops at `</head>` or `<body>`, so the
//! content of the page — where its users' words are — is never taken for its metadata. Script,
//! style and `<noscript>` contents are read as the opaque text they are, so a `<meta>` written
//! inside a script string is not a tag, and a `<template>`'s or an `<svg>`'s content is skipped.

use std::cell::RefCell;
use std::collections::BTreeMap;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// The `<meta property|name>` keys read; others are ignored.
const KEYS: [&str; 12] = [
    "og:title",
    "og:description",
    "og:site_name",
    "og:url",
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "twitter:image:src",
    "description",
];

/// Link types whose JSON answer is an oEmbed document; `text/json+oembed` is an older
/// spelling some providers still use.
const OEMBED_TYPES: [&str; 2] = ["application/json+oembed", "text/json+oembed"];

/// What a head says, as written. Of each value the first non-blank one wins: a page that
/// repeats a tag (or a plugin that adds a second one) keeps what its author wrote first.
#[derive(Debug, Default)]
pub struct Head {
    /// `content` of `<meta property|name=key>`, by key of [`KEYS`].
    metas: BTreeMap<&'static str, String>,
    /// Text of `<title>`.
    pub title: Option<String>,
    /// `href` of `<link rel=canonical>`.
    pub canonical: Option<String>,
    /// `href` of `<link rel=alternate type=application/json+oembed>`.
    pub oembed: Option<String>,
    /// `href` of `<base>`.
    pub base: Option<String>,
    /// The encoding label of `<meta charset>` or `<meta http-equiv=Content-Type>`.
    pub charset: Option<String>,
}

impl Head {
    /// The content of `<meta>` `key`, one of [`KEYS`].
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metas.get(key).map(String::as_str)
    }

    fn set_meta(&mut self, key: &str, content: &str) {
        if let Some(key) = KEYS.iter().find(|k| k.eq_ignore_ascii_case(key.trim())) {
            self.metas.entry(key).or_insert_with(|| content.to_owned());
        }
    }
}

/// Reads the head of the page `text`.
pub fn scan(text: &str) -> Head {
    let tokenizer = Tokenizer::new(Reader::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // The reader halts the tokenizer (as a script would) once the head is over; otherwise the
    // input ran out and what was pending in the tokenizer is flushed.
    if let TokenizerResult::Done = tokenizer.feed(&input) {
        tokenizer.sink.state.borrow_mut().ending = true;
        tokenizer.end();
    }
    let mut state = tokenizer.sink.state.take();
    state.end_title();
    state.head
}

#[derive(Default)]
struct Reader {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    head: Head,
    /// The text of the `<title>` being read, if it is the first.
    title: Option<String>,
    /// Open `<template>`s, whose content is inert.
    templates: usize,
    /// Open `<svg>` and `<math>`, whose `<title>` is no page title.
    foreign: usize,
    /// The head is over.
    done: bool,
    /// The input is over: the tokenizer may not be halted any more.
    ending: bool,
}

impl TokenSink for Reader {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        if state.done {
            return TokenSinkResult::Continue;
        }
        match token {
            Token::TagToken(tag) => state.tag(&tag),
            Token::CharacterTokens(text) => {
                if let Some(title) = &mut state.title {
                    title.push_str(&text);
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

impl State {
    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = &*tag.name;
        if tag.kind == TagKind::EndTag {
            match name {
                "head" | "body" | "html" => return self.stop(),
                "title" => self.end_title(),
                "template" => self.templates = self.templates.saturating_sub(1),
                "svg" | "math" => self.foreign = self.foreign.saturating_sub(1),
                _ => {}
            }
            return TokenSinkResult::Continue;
        }
        let live = self.templates == 0 && self.foreign == 0;
        match name {
            "body" | "frameset" | "plaintext" => return self.stop(),
            "template" => self.templates += 1,
            "svg" | "math" if !tag.self_closing => self.foreign += 1,
            "meta" if live => self.meta(tag),
            "link" if live => self.link(tag),
            "base" if live => first(&mut self.head.base, attr(tag, "href")),
            "title" if live && self.head.title.is_none() => self.title = Some(String::new()),
            _ => {}
        }
        // What the tree builder would tell the tokenizer: these elements hold text, not tags.
        let raw = match name {
            _ if self.foreign > 0 => return TokenSinkResult::Continue,
            "title" | "textarea" => RawKind::Rcdata,
            "script" => RawKind::ScriptData,
            "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes" => RawKind::Rawtext,
            _ => return TokenSinkResult::Continue,
        };
        TokenSinkResult::RawData(raw)
    }

    fn meta(&mut self, tag: &Tag) {
        if let Some(label) = attr(tag, "charset") {
            first(&mut self.head.charset, Some(label));
        }
        let content = attr(tag, "content");
        let is_content_type = attr(tag, "http-equiv")
            .is_some_and(|equiv| equiv.trim().eq_ignore_ascii_case("content-type"));
        if is_content_type {
            let label = content.and_then(super::charset::label_in);
            first(&mut self.head.charset, label);
        }
        let Some(content) = content.filter(|c| !c.trim().is_empty()) else {
            return;
        };
        // Pages often give both, as in `<meta name="description" property="og:description">`.
        for key in [attr(tag, "property"), attr(tag, "name")]
            .into_iter()
            .flatten()
        {
            self.head.set_meta(key, content);
        }
    }

    fn link(&mut self, tag: &Tag) {
        let rel = attr(tag, "rel").unwrap_or_default();
        let has_rel = |want: &str| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(want))
        };
        let href = attr(tag, "href");
        if has_rel("canonical") {
            first(&mut self.head.canonical, href);
        }
        let kind = attr(tag, "type").unwrap_or_default().trim();
        if has_rel("alternate") && OEMBED_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
            first(&mut self.head.oembed, href);
        }
    }

    fn end_title(&mut self) {
        if let Some(title) = self.title.take() {
            first(&mut self.head.title, Some(&title));
        }
    }

    /// Ends the read; the tokenizer is halted as by a script, unless the input is already over.
    fn stop(&mut self) -> TokenSinkResult<()> {
        self.end_title();
        self.done = true;
        if self.ending {
            TokenSinkResult::Continue
        } else {
            TokenSinkResult::Script(())
        }
    }
}

/// Attribute `name` of `tag`; the tokenizer has lower-cased attribute names already.
fn attr<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// Sets `slot` to `value` unless it is set already or `value` is blank.
fn first(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
        slot.get_or_insert_with(|| value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_matched_loosely_and_both_attributes_count() {
        let head = scan(
            r#"<META PROPERTY=" OG:Title " CONTENT="Shouted">
            <meta name="description" property="og:description" content="Both">
            <meta name="og:unknown" content="Ignored">"#,
        );
        assert_eq!(head.meta("og:title"), Some("Shouted"));
        assert_eq!(head.meta("og:description"), Some("Both"));
        assert_eq!(head.meta("description"), Some("Both"));
        assert_eq!(head.metas.len(), 3);
    }

    #[test]
    fn the_first_of_duplicate_tags_wins_but_blanks_do_not_count() {
        let head = scan(
            r#"<meta property="og:title" content="  ">
            <meta property="og:title" content="First">
            <meta property="og:title" content="Second">
            <title></title><title>One</title><title>Two</title>
            <link rel="canonical" href="/a"><link rel="canonical" href="/b">"#,
        );
        assert_eq!(head.meta("og:title"), Some("First"));
        assert_eq!(head.title.as_deref(), Some("One"));
        assert_eq!(head.canonical.as_deref(), Some("/a"));
    }

    #[test]
    fn tags_inside_scripts_comments_and_templates_are_not_read() {
        let head = scan(
            r#"<head><script>var s = '<meta property="og:title" content="From script">';</script>
            <!-- <meta property="og:description" content="From comment"> -->
            <template><meta property="og:site_name" content="From template"></template>
            <noscript><meta property="og:image" content="/noscript.png"></noscript>
            <style>/* <title>From style</title> */</style>
            <svg><title>Icon</title></svg>
            <title>Real <b>title</b></title>"#,
        );
        assert!(head.metas.is_empty(), "{:?}", head.metas);
        // A title holds text only: its `<b>` is characters, for cleaning to deal with.
        assert_eq!(head.title.as_deref(), Some("Real <b>title</b>"));
    }

    #[test]
    fn reading_stops_where_the_head_ends() {
        for html in [
            "<head><title>T</title></head><meta property='og:description' content='late'>",
            "<title>T</title><body><meta property='og:description' content='late'>",
            "<title>T</title><frameset><meta property='og:description' content='late'>",
        ] {
            let head = scan(html);
            assert_eq!(head.title.as_deref(), Some("T"));
            assert_eq!(head.meta("og:description"), None, "{html}");
        }
    }

    #[test]
    fn a_title_cut_off_by_the_end_of_input_is_kept() {
        assert_eq!(
            scan("<title>Cut &amp; short").title.as_deref(),
            Some("Cut & short")
        );
        assert_eq!(
            scan("<head><title>Cut </head>").title.as_deref(),
            Some("Cut </head>")
        );
    }

    #[test]
    fn charset_labels_come_from_either_form_of_meta() {
        assert_eq!(
            scan("<meta charset=' koi8-r '>").charset.as_deref(),
            Some(" koi8-r ")
        );
        let equiv = r#"<meta http-equiv="content-type" content="text/html;charset=sjis">"#;
        assert_eq!(scan(equiv).charset.as_deref(), Some("sjis"));
    }
}

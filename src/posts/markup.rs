//! Post and comment bodies: from the Markdown an author writes to what the app stores
//! (the tags, mentions and links a body refers to) and what it shows (sanitized HTML).
//!
//! Tags, handles and bare URLs are found by walking pulldown-cmark's events, never by a
//! pattern over the raw Markdown, so code spans, code blocks and the text of existing links
//! are left alone. `scan` and `render` share that walk, so a tag is indexed exactly when it
//! is shown as a tag.
//!
//! Raw HTML in a body is shown as the text the author typed, never passed through. Images
//! are shown as links to the image: the CSP only allows images from this server, and an
//! external image would tell its host who read the post and when.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream};

use crate::ids::UserId;
use crate::links::{Rules, Target, hygiene};

/// Longest tag, in characters; a longer run after `#` is not a tag at all.
const MAX_TAG_CHARS: usize = 64;

/// What a body refers to, found before rendering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Lower-cased tags without `#`, in order of first appearance.
    pub tags: Vec<String>,
    /// Lower-cased handles without `@`, in order of first appearance.
    pub handles: Vec<String>,
    /// http(s) URLs of bare URLs, Markdown links and autolinks, in order of first appearance.
    pub links: Vec<String>,
}

/// Finds #tags (lower-cased, deduplicated, in order of first appearance), @handles
/// (lower-cased, deduplicated) and http(s) URLs (deduplicated) in `body`, ignoring anything
/// inside code spans and code blocks. Links come as `rules` clean them: paths for our own
/// pages.
pub fn scan(body: &str, rules: &Rules) -> Scanned {
    let mut scanned = Scanned::default();
    for item in parse(body, rules) {
        match item {
            Item::Free(text) => {
                for piece in split(&text) {
                    match piece {
                        Piece::Text(_) => {}
                        Piece::Tag(tag) => push_unique(&mut scanned.tags, tag.to_lowercase()),
                        Piece::Handle(h) => push_unique(&mut scanned.handles, h.to_lowercase()),
                        Piece::Url(url) => push_unique(&mut scanned.links, rules.clean(url)),
                    }
                }
            }
            Item::Event(Event::Start(Tag::Link { dest_url, .. }))
                if scheme_len(&dest_url) > 0 || Target::of(&dest_url).is_some() =>
            {
                push_unique(&mut scanned.links, dest_url.to_string());
            }
            Item::Event(_) => {}
        }
    }
    scanned
}

/// Renders `body` to sanitized HTML. `#tag` becomes
/// `<a href="/tags/{tag}" class="tag">#Tag</a>` (href uses the lower-cased tag,
/// percent-encoded; the text keeps the author's case); `@handle` becomes
/// `<a href="/people/{id}" class="mention">@handle</a>` only when
/// `resolve(handle_lowercased)` returns `Some(id)`, otherwise it stays plain text; bare
/// http(s) URLs in text become links (autolinks), as do CommonMark links and `<autolinks>`.
/// Every link carries `rel="nofollow noopener noreferrer ugc"` and leads where `rules` clean
/// it to; a link whose text is not its URL is followed by the host it leads to.
pub fn render(body: &str, rules: &Rules, resolve: &dyn Fn(&str) -> Option<UserId>) -> String {
    let mut events = Vec::new();
    // Per open link: the host to name after it, and its URL.
    let mut hosts: Vec<Option<(String, String)>> = Vec::new();
    for item in parse(body, rules) {
        match item {
            Item::Free(text) => {
                for piece in split(&text) {
                    push_piece(&mut events, piece, rules, resolve);
                }
            }
            Item::Event(event @ Event::Start(Tag::Link { .. })) => {
                if let Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    ..
                }) = &event
                {
                    let shows_url = matches!(link_type, LinkType::Autolink | LinkType::Email);
                    let host = hygiene::host(dest_url).filter(|_| !shows_url);
                    hosts.push(host.map(|host| (host, dest_url.to_string())));
                }
                events.push(event);
            }
            Item::Event(event @ Event::End(TagEnd::Link)) => {
                let host = hosts.pop().flatten().and_then(|(host, url)| {
                    // A link whose text is its URL already shows where it goes.
                    let shows_url =
                        matches!(events.last(), Some(Event::Text(text)) if **text == *url);
                    (!shows_url).then_some(host)
                });
                events.push(event);
                if let Some(host) = host {
                    let host = ammonia::clean_text(&host);
                    events.push(Event::InlineHtml(
                        format!(r#" <span class="link-host">({host})</span>"#).into(),
                    ));
                }
            }
            Item::Event(event) => events.push(event),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitize(&html)
}

/// The words of `body` without Markdown syntax, blocks separated by newlines: what search
/// indexes and quotes in snippets. Raw HTML stays as the text it shows as.
pub fn plain_text(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    for item in parse(body, &Rules::default()) {
        match item {
            Item::Free(words) | Item::Event(Event::Text(words) | Event::Code(words)) => {
                text.push_str(&words);
            }
            Item::Event(Event::SoftBreak | Event::HardBreak) => text.push(' '),
            Item::Event(Event::End(end)) if is_block(&end) && !text.ends_with('\n') => {
                text.push('\n');
            }
            Item::Event(_) => {}
        }
    }
    text.trim().to_string()
}

fn is_block(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_)
            | TagEnd::TableCell
            | TagEnd::TableRow
            | TagEnd::TableHead
    )
}

/// An event of the parsed body, or text where tags, handles and URLs may be.
enum Item<'a> {
    Event(Event<'a>),
    /// Text outside code and links.
    Free(CowStr<'a>),
}

/// Parses `body`, turning raw HTML into text (escaped on output) and images into links, and
/// link targets cleaned by `rules`.
fn parse<'a>(body: &'a str, rules: &Rules) -> Vec<Item<'a>> {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    // Merged, so a tag or URL that the parser split at a `_` or `*` is seen whole.
    let events = TextMergeStream::new(Parser::new_ext(body, options));
    let (mut items, mut in_code, mut in_link) = (Vec::new(), false, 0usize);
    // Per open image: its URL when it became a link, None when it sits inside a link.
    let mut images: Vec<Option<CowStr<'_>>> = Vec::new();
    for event in events {
        let event = match event {
            Event::Text(text) if !in_code && in_link == 0 => Item::Free(text),
            Event::Html(html) | Event::InlineHtml(html) => Item::Event(Event::Text(html)),
            Event::Start(Tag::HtmlBlock) => Item::Event(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => Item::Event(Event::End(TagEnd::Paragraph)),
            event @ Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                Item::Event(event)
            }
            event @ Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                Item::Event(event)
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                Item::Event(Event::Start(Tag::Link {
                    link_type,
                    dest_url: rules.clean(&dest_url).into(),
                    title,
                    id,
                }))
            }
            event @ Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                Item::Event(event)
            }
            // A link inside a link is invalid HTML, so there only the alt text is kept.
            Event::Start(Tag::Image { .. }) if in_link > 0 => {
                images.push(None);
                continue;
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                images.push(Some(dest_url.clone()));
                Item::Event(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            Event::End(TagEnd::Image) => {
                let Some(Some(url)) = images.pop() else {
                    continue;
                };
                in_link = in_link.saturating_sub(1);
                // Without alt text the link would be invisible; show its URL instead.
                if matches!(
                    items.last(),
                    Some(Item::Event(Event::Start(Tag::Link { .. })))
                ) {
                    items.push(Item::Event(Event::Text(url)));
                }
                Item::Event(Event::End(TagEnd::Link))
            }
            other => Item::Event(other),
        };
        items.push(event);
    }
    items
}

/// A stretch of free text: plain, or something that becomes a link.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    /// As written, without `#`.
    Tag(&'a str),
    /// As written, without `@`.
    Handle(&'a str),
    Url(&'a str),
}

/// Splits free text into plain text, tags, handles and bare URLs.
fn split(text: &str) -> Vec<Piece<'_>> {
    let (mut pieces, mut plain_from, mut at) = (Vec::new(), 0, 0);
    let mut prev = None;
    while let Some(c) = text[at..].chars().next() {
        match token_at(&text[at..], c, prev) {
            Some((piece, len)) => {
                if plain_from < at {
                    pieces.push(Piece::Text(&text[plain_from..at]));
                }
                pieces.push(piece);
                at += len;
                plain_from = at;
                prev = text[..at].chars().next_back();
            }
            None => {
                at += c.len_utf8();
                prev = Some(c);
            }
        }
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

/// The token starting `rest` (whose first char is `c`, preceded by `prev`) and its length.
fn token_at(rest: &str, c: char, prev: Option<char>) -> Option<(Piece<'_>, usize)> {
    // What may not come right before a token: it would be the middle of a word, an email
    // (`ana@example.com`) or an HTML entity (`&#39;`).
    let joined =
        |also: &[char]| prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || also.contains(&p));
    match c {
        '#' if !joined(&['&']) => tag_len(&rest[1..]).map(|n| (Piece::Tag(&rest[1..=n]), n + 1)),
        '@' if !joined(&['.', '-']) => {
            handle_len(&rest[1..]).map(|n| (Piece::Handle(&rest[1..=n]), n + 1))
        }
        'h' | 'H' if !joined(&[]) => url_len(rest).map(|n| (Piece::Url(&rest[..n]), n)),
        _ => None,
    }
}

/// Length in bytes of the tag at the start of `s` (after `#`), if there is one.
fn tag_len(s: &str) -> Option<usize> {
    let len = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let tag = &s[..len];
    let is_tag = tag.chars().any(char::is_alphabetic) && tag.chars().count() <= MAX_TAG_CHARS;
    is_tag.then_some(len)
}

/// Length in bytes of the handle at the start of `s` (after `@`), if there is one.
fn handle_len(s: &str) -> Option<usize> {
    let len = s.find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')));
    // A handle never ends a sentence: "thanks @ana." mentions `ana`.
    let handle = s[..len.unwrap_or(s.len())].trim_end_matches(['.', '-']);
    (!handle.is_empty()).then_some(handle.len())
}

/// Length in bytes of the bare http(s) URL at the start of `s`, if there is one.
fn url_len(s: &str) -> Option<usize> {
    let scheme = scheme_len(s);
    let mut url = &s[..s.find(char::is_whitespace).unwrap_or(s.len())];
    // Punctuation after a URL usually ends the sentence around it; a `)` belongs to the URL
    // only when the URL opened it, as in Wikipedia's `Rust_(programming_language)`.
    while let Some(last) = url.chars().next_back() {
        let opened = last == ')' && url.matches('(').count() >= url.matches(')').count();
        if opened || !".,;:!?)".contains(last) {
            break;
        }
        url = &url[..url.len() - 1];
    }
    (scheme > 0 && url.len() > scheme).then_some(url.len())
}

/// Length of the `http://` or `https://` prefix of `url` (any case), or 0 without one.
fn scheme_len(url: &str) -> usize {
    let has = |scheme: &str| {
        url.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    };
    if has("https://") {
        8
    } else if has("http://") {
        7
    } else {
        0
    }
}

/// Appends the events that show `piece`.
fn push_piece<'a>(
    events: &mut Vec<Event<'a>>,
    piece: Piece<'_>,
    rules: &Rules,
    resolve: &dyn Fn(&str) -> Option<UserId>,
) {
    // Tags and handles hold only letters, digits, `_`, `.` and `-`, so they need no escaping.
    let html = match piece {
        Piece::Text(text) => return events.push(Event::Text(text.to_string().into())),
        Piece::Url(url) => {
            let link = Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: rules.clean(url).into(),
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            };
            events.push(Event::Start(link));
            events.push(Event::Text(rules.tracking.strip(url).into()));
            return events.push(Event::End(TagEnd::Link));
        }
        Piece::Tag(tag) => {
            let href = percent_encode(&tag.to_lowercase());
            format!(r#"<a href="/tags/{href}" class="tag">#{tag}</a>"#)
        }
        Piece::Handle(handle) => match resolve(&handle.to_lowercase()) {
            Some(id) => format!(r#"<a href="/people/{id}" class="mention">@{handle}</a>"#),
            None => format!("@{handle}"),
        },
    };
    events.push(Event::InlineHtml(html.into()));
}

/// Percent-encodes every byte of `s` but ASCII letters, digits and `_`, for a URL path segment.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Cleans rendered HTML. The renderer should already produce nothing harmful; this is the
/// line that holds if it ever does (no scripts, handlers, images or foreign URL schemes).
fn sanitize(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .rm_tags(["img"])
        .allowed_classes(HashMap::from([
            ("a", HashSet::from(["tag", "mention"])),
            ("span", HashSet::from(["link-host"])),
        ]));
    builder.clean(html).to_string()
}

/// Pushes `value` unless `values` already holds it; bodies are short, so a scan is enough.
fn push_unique(values: &mut Vec<String>, value: String) {
    if !values.contains(&value) {
        values.push(value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_text_drops_the_syntax_and_keeps_the_words() {
        assert_eq!(
            super::plain_text(
                "**Launch** day\n\n- `cargo` #rust\n- [docs](https://x.example) <b>hi</b>"
            ),
            "Launch day\ncargo #rust\ndocs <b>hi</b>"
        );
    }

    use super::*;

    fn tags(body: &str) -> Vec<String> {
        scan(body, &Rules::default()).tags
    }

    fn handles(body: &str) -> Vec<String> {
        scan(body, &Rules::default()).handles
    }

    fn links(body: &str) -> Vec<String> {
        scan(body, &Rules::default()).links
    }

    fn ana_only(handle: &str) -> Option<UserId> {
        (handle == "ana").then_some(UserId(42))
    }

    fn html(body: &str) -> String {
        render(body, &Rules::default(), &ana_only)
    }

    #[test]
    fn tags_are_case_insensitive_and_deduplicated_in_order() {
        assert_eq!(
            tags("#Rust and #go, then #rust again and #RUST"),
            ["rust", "go"]
        );
    }

    #[test]
    fn tags_may_be_any_script() {
        assert_eq!(
            tags("#café #日本語 #Привет #Straße"),
            ["café", "日本語", "привет", "straße"]
        );
    }

    #[test]
    fn tags_need_a_letter_and_a_boundary() {
        assert_eq!(tags("#1 #2024 #_ issue#5 a#b #v2 x #"), ["v2"]);
        assert_eq!(
            tags("(#paren) \"#quoted\" end.#dot"),
            ["paren", "quoted", "dot"]
        );
    }

    #[test]
    fn tags_longer_than_the_limit_are_not_tags() {
        let limit = "a".repeat(MAX_TAG_CHARS);
        assert_eq!(tags(&format!("#{limit}")), [limit.as_str()]);
        assert!(tags(&format!("#{limit}b")).is_empty());
        assert_eq!(tags(&format!("#{}", "é".repeat(MAX_TAG_CHARS))).len(), 1);
    }

    #[test]
    fn html_entities_are_not_tags() {
        // Valid entities are decoded by the parser; the rest stay as written.
        assert_eq!(tags(r"it&#39;s \&#39; &#x27 &#rust; &amp;#abc #ok"), ["ok"]);
        assert_eq!(
            html("it&#39;s #ok"),
            r#"<p>it's <a href="/tags/ok" class="tag" rel="nofollow noopener noreferrer ugc">#ok</a></p>"#
                .to_owned()
                + "\n"
        );
    }

    #[test]
    fn code_is_left_alone() {
        let body = "`#inline @ana https://a.example` #real\n\n```\n#fenced @ana https://b.example\n```\n\n    #indented\n";
        let scanned = scan(body, &Rules::default());
        assert_eq!(scanned.tags, ["real"]);
        assert!(scanned.handles.is_empty() && scanned.links.is_empty());
        let out = html(body);
        assert!(
            out.contains("<code>#inline @ana https://a.example</code>"),
            "{out}"
        );
        assert!(
            out.contains("<code>#fenced @ana https://b.example\n</code>"),
            "{out}"
        );
        assert_eq!(out.matches("<a ").count(), 1, "{out}");
    }

    #[test]
    fn text_of_existing_links_is_left_alone() {
        let scanned = scan(
            "[#rust @ana https://a.example](https://b.example)",
            &Rules::default(),
        );
        assert!(scanned.tags.is_empty() && scanned.handles.is_empty());
        assert_eq!(scanned.links, ["https://b.example"]);
    }

    #[test]
    fn tags_split_by_emphasis_markers_are_seen_whole() {
        assert_eq!(tags("#snake_case_tag and #a*b"), ["snake_case_tag", "a"]);
    }

    #[test]
    fn tags_render_lower_cased_and_encoded_keeping_the_authors_case() {
        let out = html("#Rust #Café");
        assert!(
            out.contains(r#"<a href="/tags/rust" class="tag" rel="nofollow noopener noreferrer ugc">#Rust</a>"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"<a href="/tags/caf%C3%A9" class="tag" rel="nofollow noopener noreferrer ugc">#Café</a>"#
            ),
            "{out}"
        );
    }

    #[test]
    fn handles_are_lower_cased_and_deduplicated() {
        assert_eq!(
            handles("@Ana, @ana and @sam.lee. @bo-"),
            ["ana", "sam.lee", "bo"]
        );
        assert_eq!(handles("cc @j_doe2 (@x) @- @."), ["j_doe2", "x"]);
    }

    #[test]
    fn emails_are_not_mentions() {
        assert!(handles("write to ana@example.com or a.b@c.d or x-@y.z").is_empty());
        assert!(!html("ana@example.com").contains("<a"));
    }

    #[test]
    fn known_handles_link_to_their_person() {
        let out = html("thanks @Ana.");
        assert_eq!(
            out,
            "<p>thanks <a href=\"/people/42\" class=\"mention\" rel=\"nofollow noopener noreferrer ugc\">@Ana</a>.</p>\n"
        );
    }

    #[test]
    fn unknown_handles_stay_plain_text() {
        assert_eq!(html("hi @nobody"), "<p>hi @nobody</p>\n");
    }

    #[test]
    fn bare_urls_become_links() {
        let out = html("see https://example.com/a?b=1&c=2 now");
        assert_eq!(
            out,
            "<p>see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer ugc\">https://example.com/a?b=1&amp;c=2</a> now</p>\n"
        );
        assert_eq!(
            links("HTTP://Example.com/X and http://"),
            ["HTTP://Example.com/X"]
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_url() {
        let body =
            "Go to https://a.example/x. Or https://b.example/y?! (or https://c.example/z), fine;";
        assert_eq!(
            links(body),
            [
                "https://a.example/x",
                "https://b.example/y",
                "https://c.example/z"
            ]
        );
    }

    #[test]
    fn parentheses_opened_by_a_url_belong_to_it() {
        let body = "(see https://en.wikipedia.org/wiki/Rust_(programming_language)).";
        assert_eq!(
            links(body),
            ["https://en.wikipedia.org/wiki/Rust_(programming_language)"]
        );
    }

    #[test]
    fn markdown_links_and_autolinks_are_links() {
        let body = "[docs](https://docs.example) <https://auto.example> [local](/groups/1) \
                    <mailto:ana@example.com> https://docs.example";
        // Paths of our own pages are links too: they unfold and leave backlinks.
        assert_eq!(
            links(body),
            ["https://docs.example", "https://auto.example", "/groups/1"]
        );
        let out = html(body);
        assert!(
            out.contains(
                r#"<a href="https://docs.example" rel="nofollow noopener noreferrer ugc">docs</a>"#
            ),
            "{out}"
        );
        assert!(
            out.contains(
                r#"<a href="https://auto.example" rel="nofollow noopener noreferrer ugc">"#
            ),
            "{out}"
        );
        assert!(
            out.contains(r#"<a href="/groups/1" rel="nofollow noopener noreferrer ugc">local</a>"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"<a href="mailto:ana@example.com" rel="nofollow noopener noreferrer ugc">"#
            ),
            "{out}"
        );
    }

    #[test]
    fn urls_keep_their_fragments_out_of_tags() {
        let scanned = scan("https://example.com/page#Section", &Rules::default());
        assert!(scanned.tags.is_empty());
        assert_eq!(scanned.links, ["https://example.com/page#Section"]);
    }

    #[test]
    fn every_link_gets_nofollow_noopener() {
        let out = html(
            "#t @ana https://a.example [b](https://b.example) <https://c.example> ![i](https://d.example/i.png)",
        );
        assert_eq!(out.matches("<a ").count(), 6, "{out}");
        assert_eq!(
            out.matches(r#"rel="nofollow noopener noreferrer ugc""#)
                .count(),
            6,
            "{out}"
        );
    }

    #[test]
    fn images_become_links_to_the_image() {
        assert_eq!(
            html("![a diagram](https://a.example/d.png) ![](https://a.example/e.png)"),
            "<p><a href=\"https://a.example/d.png\" rel=\"nofollow noopener noreferrer ugc\">a diagram</a> <span class=\"link-host\">(a.example)</span> \
             <a href=\"https://a.example/e.png\" rel=\"nofollow noopener noreferrer ugc\">https://a.example/e.png</a></p>\n"
        );
        let badge = html("[![build](https://ci.example/b.svg)](https://ci.example)");
        assert_eq!(
            badge,
            "<p><a href=\"https://ci.example\" rel=\"nofollow noopener noreferrer ugc\">build</a> <span class=\"link-host\">(ci.example)</span></p>\n"
        );
    }

    #[test]
    fn script_tags_are_shown_not_run() {
        let out = html("<script>alert(1)</script>\n\nhi <script>alert(2)</script>");
        assert!(!out.contains("<script"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{out}"
        );
        assert!(
            out.contains("hi &lt;script&gt;alert(2)&lt;/script&gt;"),
            "{out}"
        );
    }

    #[test]
    fn javascript_and_data_urls_are_dropped() {
        for body in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "<javascript:alert(1)>",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox(1))",
        ] {
            let out = html(body);
            assert!(!out.contains("href"), "{body} -> {out}");
            assert!(!out.contains("<script"), "{body} -> {out}");
        }
    }

    #[test]
    fn raw_html_attacks_are_escaped() {
        let out = html(
            r#"<img src=x onerror=alert(1)> <a href="data:text/html,<script>alert(1)</script>">x</a>"#,
        );
        assert!(
            !out.contains("<img") && !out.contains("<a ") && !out.contains("<script"),
            "{out}"
        );
        assert!(
            out.starts_with("<p>&lt;img src=x onerror=alert(1)&gt;"),
            "{out}"
        );
    }

    #[test]
    fn the_sanitizer_holds_against_harmful_html() {
        let out = sanitize(concat!(
            r#"<script>alert(1)</script><img src=x onerror=alert(1)>"#,
            r#"<a href="data:text/html,x" onclick="alert(1)" class="tag evil">a</a>"#,
            r#"<a href="vbscript:x" rel="opener">b</a><p class="mention" style="color:red">c</p>"#,
        ));
        assert_eq!(
            out,
            r#"<a class="tag" rel="nofollow noopener noreferrer ugc">a</a><a rel="nofollow noopener noreferrer ugc">b</a><p>c</p>"#
        );
    }

    #[test]
    fn markdown_basics_still_render() {
        let out = html(
            "# Title\n\n**bold** ~~gone~~\n\n| a | b |\n|---|---|\n| #t | 2 |\n\n- item\n\n> quote",
        );
        for part in [
            "<h1>Title</h1>",
            "<strong>bold</strong>",
            "<del>gone</del>",
            "<table>",
            "<li>item</li>",
            "<blockquote>",
        ] {
            assert!(out.contains(part), "{part} missing from {out}");
        }
        assert!(
            out.contains(r#"<td><a href="/tags/t" class="tag""#),
            "{out}"
        );
    }

    fn rules() -> Rules {
        Rules {
            tracking: crate::links::Tracking::new(&["utm_*".into(), "fbclid".into()]),
            site: url::Url::parse("https://agora.example/").ok(),
        }
    }

    #[test]
    fn links_are_stored_and_shown_without_tracking_parameters() {
        let body =
            "see https://x.example/a?id=1&utm_source=mail and [docs](https://d.example/?fbclid=2)";
        assert_eq!(
            scan(body, &rules()).links,
            ["https://x.example/a?id=1", "https://d.example/"]
        );
        let html = render(body, &rules(), &|_| None);
        assert!(!html.contains("utm_") && !html.contains("fbclid"), "{html}");
        assert!(
            html.contains(r#"href="https://x.example/a?id=1""#),
            "{html}"
        );
    }

    #[test]
    fn a_link_whose_text_is_not_its_url_names_its_host() {
        let html = render(
            "[the wiki](https://wiki.example/page) and https://x.example/",
            &rules(),
            &|_| None,
        );
        assert!(
            html.contains(r#">the wiki</a> <span class="link-host">(wiki.example)</span>"#),
            "{html}"
        );
        assert!(
            !html.contains("(x.example)"),
            "a bare URL already shows its host: {html}"
        );
        assert!(
            html.contains(r#"rel="nofollow noopener noreferrer ugc""#),
            "{html}"
        );
    }

    #[test]
    fn links_to_our_own_pages_are_stored_as_paths() {
        let body = "https://agora.example/posts/7 and [that group](https://agora.example/groups/2) and [rel](/people/3)";
        assert_eq!(
            scan(body, &rules()).links,
            ["/posts/7", "/groups/2", "/people/3"]
        );
        let html = render(body, &rules(), &|_| None);
        assert!(html.contains(r#"href="/posts/7""#), "{html}");
        assert!(!html.contains("link-host"), "{html}");
    }
}

//! What a fetched page says about itself, for its preview: title, description, site, image and
//! the addresses of its canonical form and of its oEmbed answer. Open Graph is preferred, then
//! Twitter cards, then the plain `<title>` and `<meta name=description>`. Every value is
//! cleaned (`clean`) before it is kept; a page that says nothing usable gives an empty
//! [`PageMeta`], never an error.

use url::Url;

use super::oembed::OEmbed;
use super::{charset, clean, head};

/// Bytes of a page read, at most; fetched pages are no longer, and a page whose head runs past
/// this is read up to here.
pub const MAX_PAGE: usize = 1024 * 1024;
/// Longest title kept, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION: usize = 500;
/// Longest site or author name kept, in characters.
pub const MAX_NAME: usize = 100;

/// Link-preview metadata of one page: plain text (escape it when showing it) and `http`/`https`
/// addresses only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub description: Option<String>,
    /// The site's name, as in "The Example Times".
    pub site_name: Option<String>,
    /// Who made the page; only oEmbed tells this (see [`PageMeta::with_oembed`]).
    pub author: Option<String>,
    /// The address the page names as its own (`og:url`, `<link rel=canonical>`). It may be on
    /// another site than the page.
    pub canonical_url: Option<Url>,
    /// The picture to show with the link; not fetched here, and it may be on another site.
    pub image_url: Option<Url>,
    /// Where the page's oEmbed answer (JSON) is, for [`super::read_oembed`].
    pub oembed_url: Option<Url>,
}

/// The metadata of the page at `page_url`, from the bytes of its body and its Content-Type
/// header. Whatever the bytes are, this returns, and nothing else of the page is trusted.
pub fn read_page(body: &[u8], content_type: Option<&str>, page_url: &Url) -> PageMeta {
    let body = &body[..body.len().min(MAX_PAGE)];
    let text = charset::decode(body, content_type);
    let head = head::scan(&text);
    // Relative addresses are relative to `<base href>` when there is one, as in a browser.
    let base = head
        .base
        .as_deref()
        .and_then(|href| clean::url(page_url, href));
    let base = base.as_ref().unwrap_or(page_url);
    PageMeta {
        title: first_text(
            [
                head.meta("og:title"),
                head.meta("twitter:title"),
                head.title.as_deref(),
            ],
            MAX_TITLE,
        ),
        description: first_text(
            [
                head.meta("og:description"),
                head.meta("twitter:description"),
                head.meta("description"),
            ],
            MAX_DESCRIPTION,
        ),
        site_name: first_text([head.meta("og:site_name")], MAX_NAME),
        author: None,
        canonical_url: first_url(base, [head.meta("og:url"), head.canonical.as_deref()]),
        image_url: first_url(
            base,
            [
                "og:image",
                "og:image:url",
                "og:image:secure_url",
                "twitter:image",
                "twitter:image:src",
            ]
            .map(|key| head.meta(key)),
        ),
        oembed_url: first_url(base, [head.oembed.as_deref()]),
    }
}

/// The first of `candidates` that is still text once cleaned: an `og:title` of only markup
/// gives way to the Twitter title.
fn first_text<'a>(
    candidates: impl IntoIterator<Item = Option<&'a str>>,
    max_chars: usize,
) -> Option<String> {
    candidates
        .into_iter()
        .flatten()
        .find_map(|raw| clean::text(raw, max_chars))
}

/// The first of `candidates` that is an acceptable address: a `javascript:` `og:image` gives
/// way to the Twitter image.
fn first_url<'a>(base: &Url, candidates: impl IntoIterator<Item = Option<&'a str>>) -> Option<Url> {
    candidates
        .into_iter()
        .flatten()
        .find_map(|raw| clean::url(base, raw))
}

impl PageMeta {
    /// This metadata, its gaps filled from the page's oEmbed answer; what the page says
    /// itself comes first.
    pub fn with_oembed(self, oembed: OEmbed) -> PageMeta {
        PageMeta {
            title: self.title.or(oembed.title),
            site_name: self.site_name.or(oembed.provider_name),
            author: self.author.or(oembed.author_name),
            image_url: self.image_url.or(oembed.thumbnail_url),
            ..self
        }
    }

    /// The page said nothing usable.
    pub fn is_empty(&self) -> bool {
        *self == PageMeta::default()
    }
}

#[cfg(test)]
mod tests {
    use encoding_rs::{SHIFT_JIS, WINDOWS_1251};

    use super::*;

    fn page_url() -> Url {
        Url::parse("https://news.example.com/2024/launch.html").unwrap()
    }

    fn read(html: &str) -> PageMeta {
        read_page(
            html.as_bytes(),
            Some("text/html; charset=utf-8"),
            &page_url(),
        )
    }

    fn url(s: &str) -> Option<Url> {
        Some(Url::parse(s).unwrap())
    }

    #[test]
    fn open_graph_is_read() {
        let meta = read(
            r#"<!doctype html><html><head>
            <title>Plain title</title>
            <meta property="og:title" content="Launch &amp; landing">
            <meta property="og:description" content="We made it.">
            <meta property="og:site_name" content="Example News">
            <meta property="og:url" content="https://news.example.com/launch">
            <meta property="og:image" content="https://img.example.com/cover.jpg">
            </head><body><p>Story</p></body></html>"#,
        );
        assert_eq!(
            meta,
            PageMeta {
                title: Some("Launch & landing".into()),
                description: Some("We made it.".into()),
                site_name: Some("Example News".into()),
                author: None,
                canonical_url: url("https://news.example.com/launch"),
                image_url: url("https://img.example.com/cover.jpg"),
                oembed_url: None,
            }
        );
        assert!(!meta.is_empty());
    }

    #[test]
    fn twitter_then_plain_tags_fill_in_for_open_graph() {
        let meta = read(
            r#"<head><title>Plain title</title>
            <meta name="description" content="Plain description">
            <meta name="twitter:title" content="Card title">
            <meta name="twitter:image:src" content="/card.png">
            <link rel="canonical" href="/canonical">"#,
        );
        assert_eq!(meta.title.as_deref(), Some("Card title"));
        assert_eq!(meta.description.as_deref(), Some("Plain description"));
        assert_eq!(meta.image_url, url("https://news.example.com/card.png"));
        assert_eq!(
            meta.canonical_url,
            url("https://news.example.com/canonical")
        );
        let plain = read("<title>\n  Only   a title\n</title>");
        assert_eq!(plain.title.as_deref(), Some("Only a title"));
        assert_eq!(plain.description, None);
    }

    #[test]
    fn relative_images_resolve_against_the_page_or_its_base() {
        let meta = read(r#"<meta property="og:image" content="img/cover.jpg">"#);
        assert_eq!(
            meta.image_url,
            url("https://news.example.com/2024/img/cover.jpg")
        );
        let based = read(
            r#"<base href="https://cdn.example.net/assets/">
            <meta property="og:image" content="cover.jpg">"#,
        );
        assert_eq!(
            based.image_url,
            url("https://cdn.example.net/assets/cover.jpg")
        );
        let bad_base = read(
            r#"<base href="javascript:alert(1)//"><meta property="og:image" content="c.jpg">"#,
        );
        assert_eq!(
            bad_base.image_url,
            url("https://news.example.com/2024/c.jpg")
        );
    }

    #[test]
    fn a_javascript_image_is_rejected() {
        let meta = read(r#"<meta property="og:image" content="javascript:alert(1)">"#);
        assert_eq!(meta.image_url, None);
        assert!(meta.is_empty());
        let with_fallback = read(
            r#"<meta property="og:image" content=" JaVaScRiPt:alert(1)">
            <meta property="og:image:secure_url" content="data:image/png;base64,AA">
            <meta name="twitter:image" content="https://img.example.com/t.png">"#,
        );
        assert_eq!(
            with_fallback.image_url,
            url("https://img.example.com/t.png")
        );
    }

    #[test]
    fn oembed_is_discovered_from_the_page_as_json_only() {
        let meta = read(
            r#"<link rel="alternate" type="text/xml+oembed" href="/oembed.xml">
            <link rel="Alternate  nofollow" type="Application/JSON+oEmbed"
                  href="/oembed?url=https%3A%2F%2Fnews.example.com%2F2024%2Flaunch.html&amp;format=json">"#,
        );
        assert_eq!(
            meta.oembed_url,
            url(
                "https://news.example.com/oembed?url=https%3A%2F%2Fnews.example.com%2F2024%2Flaunch.html&format=json"
            )
        );
        assert_eq!(
            read(r#"<link rel="alternate" type="text/xml+oembed" href="/o">"#).oembed_url,
            None
        );
    }

    #[test]
    fn oembed_fills_only_the_gaps() {
        let meta = read(r#"<meta property="og:title" content="Page title">"#);
        let oembed = OEmbed {
            title: Some("oEmbed title".into()),
            author_name: Some("Ana".into()),
            provider_name: Some("ExampleTube".into()),
            thumbnail_url: url("https://video.example.com/t.jpg"),
        };
        let merged = meta.with_oembed(oembed);
        assert_eq!(merged.title.as_deref(), Some("Page title"));
        assert_eq!(merged.author.as_deref(), Some("Ana"));
        assert_eq!(merged.site_name.as_deref(), Some("ExampleTube"));
        assert_eq!(merged.image_url, url("https://video.example.com/t.jpg"));
    }

    #[test]
    fn long_values_are_capped_with_an_ellipsis() {
        let html = format!(
            r#"<meta property="og:title" content="{}"><meta name="description" content="{}">
            <meta property="og:site_name" content="{}">"#,
            "é".repeat(1000),
            "word ".repeat(1000),
            "s".repeat(1000)
        );
        let meta = read(&html);
        let title = meta.title.unwrap();
        assert_eq!(title.chars().count(), MAX_TITLE);
        assert!(title.ends_with('…'));
        assert!(meta.description.unwrap().chars().count() <= MAX_DESCRIPTION);
        assert_eq!(meta.site_name.unwrap().chars().count(), MAX_NAME);
    }

    #[test]
    fn a_windows_1251_page_is_decoded_by_its_meta() {
        let (body, _, _) = WINDOWS_1251.encode(
            r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
            <title>Новости компании</title><meta name="description" content="Привет, мир">"#,
        );
        let meta = read_page(&body, Some("text/html"), &page_url());
        assert_eq!(meta.title.as_deref(), Some("Новости компании"));
        assert_eq!(meta.description.as_deref(), Some("Привет, мир"));
    }

    #[test]
    fn a_shift_jis_page_is_decoded_by_its_meta() {
        let (body, _, _) = SHIFT_JIS
            .encode(r#"<meta charset="Shift_JIS"><meta property="og:title" content="表示テスト">"#);
        let meta = read_page(&body, None, &page_url());
        assert_eq!(meta.title.as_deref(), Some("表示テスト"));
    }

    #[test]
    fn a_utf16_page_with_a_byte_order_mark_is_decoded() {
        let mut body = vec![0xFF, 0xFE];
        body.extend(
            "<title>Ünïcode</title>"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let meta = read_page(&body, Some("text/html; charset=iso-8859-1"), &page_url());
        assert_eq!(meta.title.as_deref(), Some("Ünïcode"));
    }

    #[test]
    fn empty_and_binary_bodies_give_nothing() {
        assert!(read_page(b"", None, &page_url()).is_empty());
        let gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x57\x28\xcf\x2f\xca\x49\x01\x00\x3a\x3c\x24\x86\x0b\x00\x00\x00<\x00\xff";
        assert!(read_page(gzip, Some("text/html"), &page_url()).is_empty());
        let noise: Vec<u8> = (0..64 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(read_page(&noise, None, &page_url()).image_url, None);
    }

    #[test]
    fn truncated_html_gives_what_was_complete() {
        let meta = read(r#"<html><head><title>Cut short"#);
        assert_eq!(meta.title.as_deref(), Some("Cut short"));
        let meta = read(
            r#"<meta property="og:title" content="Kept"><meta property="og:description" content="Lo"#,
        );
        assert_eq!(meta.title.as_deref(), Some("Kept"));
        assert_eq!(meta.description, None);
        for cut in [
            "<",
            "<meta",
            "<meta property=",
            "<!--",
            "<title",
            "<script>",
            "&#x",
            "\u{0}",
        ] {
            assert!(read(cut).is_empty(), "{cut:?}");
        }
    }

    #[test]
    fn a_mebibyte_of_junk_is_read_quickly_and_harmlessly() {
        let junk = "<div <<a =\"'>&amp &#99999999; \u{0}<meta content=".repeat(MAX_PAGE / 40);
        let started = std::time::Instant::now();
        let meta = read_page(junk.as_bytes(), None, &page_url());
        assert!(meta.is_empty());
        let mut page = "<head><meta property=\"og:title\" content=\"".to_owned();
        page.push_str(&"x".repeat(2 * MAX_PAGE));
        let meta = read(&page);
        assert!(
            meta.title.is_none(),
            "a value cut off by the limit is no value"
        );
        let huge = format!(
            "<meta property=\"og:image\" content=\"/{}\"><title>T</title>",
            "a".repeat(MAX_PAGE / 2)
        );
        let meta = read(&huge);
        assert_eq!((meta.image_url, meta.title.as_deref()), (None, Some("T")));
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

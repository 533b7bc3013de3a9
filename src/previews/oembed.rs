//! A page's oEmbed answer (JSON; the XML form is not read), for the few plain fields a preview
//! shows. Its `html` field — an iframe or a script the provider would have us embed — is not
//! even given a place to land: the answer is read into a struct without it.

use serde::{Deserialize, Deserializer};
use url::Url;

use super::clean;
use super::meta::{MAX_NAME, MAX_TITLE};

/// Bytes of an oEmbed answer read, at most; a larger answer is refused whole.
pub const MAX_OEMBED: usize = 256 * 1024;

/// What an oEmbed answer adds to a preview, cleaned as page metadata is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OEmbed {
    pub title: Option<String>,
    pub author_name: Option<String>,
    pub provider_name: Option<String>,
    /// An `http`/`https` picture; not fetched here.
    pub thumbnail_url: Option<Url>,
}

/// The fields read of an answer; the others, `html` first, are skipped by the parser.
#[derive(Deserialize)]
struct Answer {
    #[serde(default, deserialize_with = "string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "string")]
    author_name: Option<String>,
    #[serde(default, deserialize_with = "string")]
    provider_name: Option<String>,
    #[serde(default, deserialize_with = "string")]
    thumbnail_url: Option<String>,
}

/// The oEmbed answer `body`, fetched from `answer_url` (against which a relative thumbnail is
/// resolved). `None` when it is too large, not a JSON object, or says nothing usable.
pub fn read_oembed(body: &[u8], answer_url: &Url) -> Option<OEmbed> {
    if body.len() > MAX_OEMBED {
        return None;
    }
    // JSON has no byte order mark, yet some servers send one.
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let answer: Answer = serde_json::from_slice(body).ok()?;
    let text = |raw: Option<String>, max| raw.and_then(|raw| clean::text(&raw, max));
    let oembed = OEmbed {
        title: text(answer.title, MAX_TITLE),
        author_name: text(answer.author_name, MAX_NAME),
        provider_name: text(answer.provider_name, MAX_NAME),
        thumbnail_url: answer
            .thumbnail_url
            .and_then(|raw| clean::url(answer_url, &raw)),
    };
    (oembed != OEmbed::default()).then_some(oembed)
}

/// A string field; any other JSON value (some providers send numbers or `null`) is as if
/// absent rather than a reason to refuse the whole answer.
fn string<'de, D: Deserializer<'de>>(field: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(field)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Url {
        Url::parse("https://video.example.com/oembed?url=x").unwrap()
    }

    #[test]
    fn the_plain_fields_are_read_and_cleaned() {
        let body = br#"{"version":"1.0","type":"video","title":"  Launch\n day ",
            "author_name":"Ana","provider_name":"ExampleTube",
            "thumbnail_url":"/thumbs/1.jpg","thumbnail_width":480}"#;
        let oembed = read_oembed(body, &endpoint()).unwrap();
        assert_eq!(
            oembed,
            OEmbed {
                title: Some("Launch day".into()),
                author_name: Some("Ana".into()),
                provider_name: Some("ExampleTube".into()),
                thumbnail_url: Some(Url::parse("https://video.example.com/thumbs/1.jpg").unwrap()),
            }
        );
    }

    #[test]
    fn nothing_of_the_html_field_comes_through() {
        let body = br#"{"type":"rich","html":"<script>alert(1)</script><iframe src=x>",
            "title":"Clip <script>alert(2)</script>"}"#;
        let oembed = read_oembed(body, &endpoint()).unwrap();
        assert_eq!(oembed.title.as_deref(), Some("Clip alert(2)"));
        let everything = format!("{oembed:?}");
        assert!(!everything.contains("alert(1)") && !everything.contains("iframe"));
        let only_html = br#"{"type":"rich","html":"<script>alert(1)</script>"}"#;
        assert_eq!(read_oembed(only_html, &endpoint()), None);
    }

    #[test]
    fn odd_field_types_are_skipped_not_fatal() {
        let body = br#"{"title":42,"author_name":null,"provider_name":["x"],
            "thumbnail_url":{"a":1},"html":{"nested":[1,2,3]}}"#;
        assert_eq!(read_oembed(body, &endpoint()), None);
        let body = br#"{"title":42,"provider_name":"Example"}"#;
        assert_eq!(
            read_oembed(body, &endpoint())
                .unwrap()
                .provider_name
                .as_deref(),
            Some("Example")
        );
    }

    #[test]
    fn unsafe_thumbnails_are_dropped() {
        let body = br#"{"title":"t","thumbnail_url":"javascript:alert(1)"}"#;
        assert_eq!(read_oembed(body, &endpoint()).unwrap().thumbnail_url, None);
        let body = br#"{"title":"t","thumbnail_url":"data:image/png;base64,AA"}"#;
        assert_eq!(read_oembed(body, &endpoint()).unwrap().thumbnail_url, None);
    }

    #[test]
    fn bad_or_oversized_answers_are_none() {
        for body in [
            &b""[..],
            b"null",
            b"[1,2]",
            b"\"title\"",
            b"{\"title\":\"cut",
            b"<oembed><title>XML</title></oembed>",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff",
        ] {
            assert_eq!(read_oembed(body, &endpoint()), None, "{body:?}");
        }
        let padded = format!(
            "{{\"title\":\"big\",\"pad\":\"{}\"}}",
            "x".repeat(MAX_OEMBED)
        );
        assert_eq!(read_oembed(padded.as_bytes(), &endpoint()), None);
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(read_oembed(deep.as_bytes(), &endpoint()), None);
    }

    #[test]
    fn a_byte_order_mark_is_tolerated() {
        let body = b"\xEF\xBB\xBF{\"title\":\"With BOM\"}";
        assert_eq!(
            read_oembed(body, &endpoint()).unwrap().title.as_deref(),
            Some("With BOM")
        );
    }
}

//! Text and addresses taken from someone else's page, made fit to keep: plain text of a
//! bounded length, and only `http`/`https` addresses. Whatever a page puts in its metadata
//! passes through here before it reaches a preview.

use url::Url;

/// Longest address kept, in bytes.
pub const MAX_URL: usize = 2048;

/// `raw` as one line of plain text of at most `max_chars` characters, or `None` if nothing is
/// left. Tag-shaped runs (`<b>`, `<script …>`) go, so a title reads well and holds no markup;
/// a lone `<` stays, since text is escaped when shown. Control and invisible direction
/// characters go, runs of whitespace become one space, and a text cut short ends in `…`.
pub fn text(raw: &str, max_chars: usize) -> Option<String> {
    let stripped = strip_tags(raw);
    let visible: String = stripped
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some(' '),
            c if is_invisible(c) => None,
            c => Some(c),
        })
        .collect();
    let line = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then(|| cap(line, max_chars))
}

/// `raw` resolved against `base`, if it is an `http`/`https` address without credentials and
/// not longer than [`MAX_URL`]. Anything else (`javascript:`, `data:`, a typo) is `None`.
pub fn url(base: &Url, raw: &str) -> Option<Url> {
    // Resolving never makes an address much shorter, so a huge value need not be parsed.
    if raw.len() > 4 * MAX_URL {
        return None;
    }
    let url = base.join(raw.trim()).ok()?;
    let fit = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.host_str().is_some_and(|host| !host.is_empty())
        && url.as_str().len() <= MAX_URL;
    fit.then_some(url)
}

/// `text` with every tag-shaped run — `<`, then a letter, `/`, `!` or `?`, up to the next `>` —
/// replaced by a space. One pass is enough: the space stands where the tag was, so pieces
/// around a removed tag (`<<b>script>`) never join into a new one.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let opens =
            after.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        match after.find('>') {
            Some(end) if opens => {
                out.push_str(&rest[..at]);
                out.push(' ');
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=at]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Characters that show nothing, or that reorder what is around them: a title with a
/// right-to-left override could pass for another site's name.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// `line` cut to at most `max_chars` characters, the last being `…` when it was longer.
fn cap(line: String, max_chars: usize) -> String {
    if line.chars().nth(max_chars).is_none() {
        return line;
    }
    // Room for the ellipsis: the kept part ends where character `max_chars - 1` starts.
    let cut = line
        .char_indices()
        .nth(max_chars.saturating_sub(1))
        .map_or(line.len(), |(at, _)| at);
    let mut short = line[..cut].trim_end().to_owned();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://news.example.com/a/story.html").unwrap()
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed_and_blank_is_nothing() {
        assert_eq!(
            text("  Quarterly\n\n\treport \u{a0} 2024 ", 100).unwrap(),
            "Quarterly report 2024"
        );
        assert_eq!(text(" \n\t ", 100), None);
        assert_eq!(text("", 100), None);
    }

    #[test]
    fn control_and_direction_characters_are_removed() {
        assert_eq!(text("a\0b\u{7}c\u{1b}[31md", 100).unwrap(), "abc[31md");
        assert_eq!(
            text("\u{202E}moc.elgoog\u{202C} \u{200B}x\u{FEFF}", 100).unwrap(),
            "moc.elgoog x"
        );
        assert_eq!(text("\u{0}\u{1}\u{202E}", 100), None);
    }

    #[test]
    fn tags_are_stripped_but_a_lone_angle_bracket_stays() {
        assert_eq!(
            text("<script>alert(1)</script> Launch", 100).unwrap(),
            "alert(1) Launch"
        );
        assert_eq!(text("Say <b>hi</b>!", 100).unwrap(), "Say hi !");
        assert_eq!(text("1 < 2 and 3 > 2", 100).unwrap(), "1 < 2 and 3 > 2");
        assert_eq!(text("a <b", 100).unwrap(), "a <b");
        assert_eq!(text("<!-- x --><?php ?>ok", 100).unwrap(), "ok");
    }

    #[test]
    fn stripping_never_assembles_a_new_tag() {
        for raw in [
            "<<script>script>alert(1)<</script>/script>",
            "<scr<b>ipt>x</scr</b>ipt>",
            "<<<a>>>b",
            "<a<b>>",
        ] {
            let clean = text(raw, 100).unwrap_or_default();
            assert!(
                !has_tag(&clean),
                "{raw:?} came out as {clean:?}, which holds a tag"
            );
        }
    }

    fn has_tag(s: &str) -> bool {
        s.match_indices('<').any(|(at, _)| {
            let after = &s[at + 1..];
            after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') && after.contains('>')
        })
    }

    #[test]
    fn long_text_is_cut_on_a_character_with_an_ellipsis() {
        assert_eq!(text("abcdef", 6).unwrap(), "abcdef");
        assert_eq!(text("abcdefg", 6).unwrap(), "abcde…");
        assert_eq!(text("ab   defg", 4).unwrap(), "ab…");
        let cyrillic = "жжжжжжжжжж";
        let cut = text(cyrillic, 5).unwrap();
        assert_eq!(cut, "жжжж…");
        assert_eq!(cut.chars().count(), 5);
        let emoji = "🦀".repeat(300);
        assert_eq!(text(&emoji, 200).unwrap().chars().count(), 200);
    }

    #[test]
    fn relative_addresses_are_resolved_against_the_page() {
        assert_eq!(
            url(&page(), "/img/cover.png").unwrap().as_str(),
            "https://news.example.com/img/cover.png"
        );
        assert_eq!(
            url(&page(), "cover.png").unwrap().as_str(),
            "https://news.example.com/a/cover.png"
        );
        assert_eq!(
            url(&page(), "//cdn.example.net/x.jpg").unwrap().as_str(),
            "https://cdn.example.net/x.jpg"
        );
        assert_eq!(
            url(&page(), "  http://example.org/\n").unwrap().as_str(),
            "http://example.org/"
        );
    }

    #[test]
    fn only_plain_web_addresses_are_kept() {
        for raw in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\nscript:alert(1)",
            "data:image/png;base64,AAAA",
            "file:///etc/passwd",
            "ftp://example.com/x",
            "https://user:secret@example.com/",
            "https://user@example.com/",
            "http://[::1",
        ] {
            assert_eq!(url(&page(), raw), None, "{raw:?}");
        }
    }

    #[test]
    fn overlong_addresses_are_refused() {
        let fits = format!("https://example.com/{}", "a".repeat(MAX_URL - 20));
        assert_eq!(fits.len(), MAX_URL);
        assert!(url(&page(), &fits).is_some());
        let long = format!("{fits}b");
        assert_eq!(url(&page(), &long), None);
        assert_eq!(url(&page(), &"a".repeat(1 << 20)), None);
    }
}

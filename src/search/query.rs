//! The search box's language: `words`, `"a phrase"`, `-excluded` (a word or a phrase),
//! `from:@handle`, `in:group` (`in:"Two words"`), `#tag`, `before:2026-01-31`,
//! `after:2026-01-01`, `is:question`, `is:unanswered`, `has:file`, `has:image`,
//! `links:URL` (posts linking there), `linkedfrom:ID` (posts that post ID links to). Anything
//! else is a word. A malformed
//! query is a field error on `q`.

use chrono::NaiveDate;

use crate::error::{Result, invalid};

/// Longest query accepted, in characters.
pub const MAX_QUERY: usize = 500;
/// Most words, phrases and filters in one query.
const MAX_PARTS: usize = 32;

/// A query, taken apart.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    /// Words or phrases that must not occur.
    pub excluded: Vec<String>,
    /// Handles, without `@`.
    pub from: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Tag names, lowercased, without `#`.
    pub tags: Vec<String>,
    /// Posts made before this day (exclusive) and on or after that one.
    pub before: Option<NaiveDate>,
    pub after: Option<NaiveDate>,
    /// What posts must be (`is:`) or carry (`has:`), as the index marks them: [`QUESTION`],
    /// [`UNANSWERED`], [`FILE`], [`IMAGE`].
    pub marks: Vec<&'static str>,
    /// Links a post must carry, as posts store them (see `links::Rules::clean`).
    pub links: Vec<String>,
    /// Posts whose links a result must be among.
    pub linked_from: Vec<crate::ids::PostId>,
}

/// The mark of a post that asks a question.
pub const QUESTION: &str = "question";
/// The mark of a question without a best answer.
pub const UNANSWERED: &str = "unanswered";
/// The mark of a post with a file (any: an image is a file too).
pub const FILE: &str = "file";
/// The mark of a post with an image.
pub const IMAGE: &str = "image";

impl Parsed {
    /// True when the query says something about posts only (an author, group, tag or date).
    pub fn filters_posts(&self) -> bool {
        !self.from.is_empty()
            || !self.groups.is_empty()
            || !self.tags.is_empty()
            || self.before.is_some()
            || self.after.is_some()
            || !self.marks.is_empty()
            || !self.links.is_empty()
            || !self.linked_from.is_empty()
    }

    /// True when there are words or phrases to match (not only filters).
    pub fn has_text(&self) -> bool {
        !self.words.is_empty() || !self.phrases.is_empty()
    }
}

/// Takes `q` apart.
pub fn parse(q: &str) -> Result<Parsed> {
    let length = q.chars().count();
    if length > MAX_QUERY {
        return Err(invalid(
            "q",
            format!("at most {MAX_QUERY} characters (this has {length})"),
        ));
    }
    let mut parsed = Parsed::default();
    let mut rest = q.trim_start();
    let mut parts = 0;
    while !rest.is_empty() {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(invalid(
                "q",
                format!("at most {MAX_PARTS} words and filters"),
            ));
        }
        let (negated, after_sign) = match rest.strip_prefix('-') {
            Some(r) if !r.is_empty() && !r.starts_with(char::is_whitespace) => (true, r),
            _ => (false, rest),
        };
        let (part, quoted, tail) = next_part(after_sign)?;
        rest = tail.trim_start();
        if negated {
            if !part.is_empty() {
                parsed.excluded.push(part);
            }
            continue;
        }
        if quoted {
            if !part.trim().is_empty() {
                parsed.phrases.push(part);
            }
            continue;
        }
        if let Some(handle) = part.strip_prefix("from:") {
            let handle = handle.trim_start_matches('@');
            if handle.is_empty() {
                return Err(invalid("q", "from: needs a handle, as in from:@ana"));
            }
            parsed.from.push(handle.to_lowercase());
        } else if let Some(group) = part.strip_prefix("in:") {
            let (group, tail) = match group {
                "" if rest.starts_with('"') => {
                    let (name, _, tail) = next_part(rest)?;
                    (name, tail.trim_start())
                }
                _ => (group.to_string(), rest),
            };
            rest = tail;
            if group.is_empty() {
                return Err(invalid(
                    "q",
                    "in: needs a group name, as in in:design or in:\"Product team\"",
                ));
            }
            parsed.groups.push(group);
        } else if let Some(mark) = part.strip_prefix("is:") {
            parsed.marks.push(match mark.to_lowercase().as_str() {
                QUESTION => QUESTION,
                UNANSWERED => UNANSWERED,
                _ => {
                    return Err(invalid(
                        "q",
                        "is: takes question or unanswered, as in is:unanswered",
                    ));
                }
            });
        } else if let Some(what) = part.strip_prefix("has:") {
            parsed.marks.push(match what.to_lowercase().as_str() {
                FILE => FILE,
                IMAGE => IMAGE,
                _ => {
                    return Err(invalid("q", "has: takes file or image, as in has:image"));
                }
            });
        } else if let Some(link) = part.strip_prefix("links:") {
            if link.is_empty() {
                return Err(invalid(
                    "q",
                    "links: needs a link, as in links:https://example.com/page",
                ));
            }
            parsed.links.push(link.to_string());
        } else if let Some(id) = part.strip_prefix("linkedfrom:") {
            let id = id.trim_start_matches("/posts/");
            parsed.linked_from.push(
                id.parse().map_err(|_| {
                    invalid("q", "linkedfrom: takes a post's id, as in linkedfrom:42")
                })?,
            );
        } else if let Some(day) = part.strip_prefix("before:") {
            parsed.before = Some(date("before", day)?);
        } else if let Some(day) = part.strip_prefix("after:") {
            parsed.after = Some(date("after", day)?);
        } else if let Some(tag) = part.strip_prefix('#').filter(|t| !t.is_empty()) {
            parsed.tags.push(tag.to_lowercase());
        } else {
            parsed.words.push(part);
        }
    }
    if !parsed.has_text() && !parsed.filters_posts() {
        return Err(invalid("q", "type something to search for"));
    }
    Ok(parsed)
}

/// The next part of `s`: a quoted phrase (without its quotes) or a run up to whitespace, with
/// whether it was quoted, and what follows.
fn next_part(s: &str) -> Result<(String, bool, &str)> {
    if let Some(inner) = s.strip_prefix('"') {
        let end = inner
            .find('"')
            .ok_or_else(|| invalid("q", "a phrase is missing its closing \""))?;
        return Ok((inner[..end].to_string(), true, &inner[end + 1..]));
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    // `in:"Product team"`: the quoted name is read by the caller.
    let end = match s[..end].find(':') {
        Some(colon) if s[colon + 1..].starts_with('"') => colon + 1,
        _ => end,
    };
    Ok((s[..end].to_string(), false, &s[end..]))
}

fn date(filter: &str, day: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        invalid(
            "q",
            format!("{filter}: takes a date as YYYY-MM-DD, not {day:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn every_kind_of_part_is_read() {
        let parsed = parse(r#"rust "launch day" -java -"old plan" from:@Ana in:"Product team" in:ops #Rust before:2026-02-01 after:2026-01-01 is:Question is:unanswered"#).unwrap();
        assert_eq!(parsed.words, ["rust"]);
        assert_eq!(parsed.phrases, ["launch day"]);
        assert_eq!(parsed.excluded, ["java", "old plan"]);
        assert_eq!(parsed.from, ["ana"]);
        assert_eq!(parsed.groups, ["Product team", "ops"]);
        assert_eq!(parsed.tags, ["rust"]);
        assert_eq!(parsed.before, NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(parsed.after, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(parsed.marks, [QUESTION, UNANSWERED]);
    }

    #[test]
    fn filters_alone_are_a_query_and_lone_signs_are_words() {
        assert_eq!(parse("from:ana").unwrap().from, ["ana"]);
        assert_eq!(parse("a - b").unwrap().words, ["a", "-", "b"]);
        assert_eq!(parse("東京 タワー").unwrap().words, ["東京", "タワー"]);
    }

    #[test]
    fn malformed_queries_are_field_errors() {
        for bad in [
            "",
            "   ",
            "\"open phrase",
            "before:yesterday",
            "after:2026-13-01",
            "from:@",
            "in:",
            "is:poll",
            "-java",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::ValidationFailed, "{bad:?}");
        }
        assert!(parse(&"x ".repeat(40)).is_err(), "too many parts");
        assert!(parse(&"x".repeat(501)).is_err(), "too long");
    }
}

//! Mention links as one reader may follow them. A body's HTML is rendered once, for everyone,
//! with `<a href="/people/{id}" class="mention" …>@handle</a>` for each person it mentions; a
//! guest may not look up people outside her groups, so for her those links go back to the
//! plain `@handle` the author typed.

use crate::ids::UserId;

/// Where every mention link of the rendered HTML starts (see `markup::render`).
const OPENING: &str = "<a href=\"/people/";

/// `html` with the mention links of people `keep` refuses turned into their plain text.
pub fn unlink_mentions(html: &str, keep: impl Fn(UserId) -> bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPENING) {
        out.push_str(&rest[..start]);
        let link = &rest[start..];
        match mention_at(link) {
            Some((id, text, length)) if !keep(id) => {
                out.push_str(text);
                rest = &link[length..];
            }
            _ => {
                out.push_str(OPENING);
                rest = &link[OPENING.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The person, the link text and the length of a mention link at the start of `link`.
fn mention_at(link: &str) -> Option<(UserId, &str, usize)> {
    let after = &link[OPENING.len()..];
    let digits = after.find('"')?;
    let id = after[..digits].parse().ok()?;
    let open_end = link.find('>')?;
    if !link[..open_end].contains("class=\"mention\"") {
        return None;
    }
    let close = link.find("</a>")?;
    let text = link.get(open_end + 1..close)?;
    if text.contains('<') {
        return None;
    }
    Some((id, text, close + "</a>".len()))
}

#[cfg(test)]
mod tests {
    use super::unlink_mentions;
    use crate::ids::UserId;

    #[test]
    fn mentions_of_people_not_kept_become_text() {
        let html = "<p>hi <a href=\"/people/42\" class=\"mention\" rel=\"nofollow noopener noreferrer ugc\">@ana</a> \
                    and <a href=\"/people/7\" class=\"mention\" rel=\"nofollow noopener noreferrer ugc\">@bo</a>, \
                    <a href=\"/people/9\" rel=\"nofollow noopener noreferrer ugc\">a profile</a></p>";
        let shown = unlink_mentions(html, |id| id == UserId(7));
        assert_eq!(
            shown,
            "<p>hi @ana and <a href=\"/people/7\" class=\"mention\" rel=\"nofollow noopener noreferrer ugc\">@bo</a>, \
             <a href=\"/people/9\" rel=\"nofollow noopener noreferrer ugc\">a profile</a></p>"
        );
        assert_eq!(unlink_mentions(html, |_| true), html);
    }
}

//! Links to this site's own pages: which object a path names. Whether a reader may see that
//! object is asked of the access policy where the link is shown, never here.

use url::Url;

use crate::ids::{CommentId, GroupId, PostId, UserId};

/// The object a link to one of our pages names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Post(PostId),
    Comment(PostId, CommentId),
    Person(UserId),
    Group(GroupId),
    Tag(String),
}

impl Target {
    /// How a backlink names it: `post:7`, `comment:9`, `person:3`, `group:2`, `tag:rust`.
    pub fn key(&self) -> String {
        match self {
            Target::Post(id) => format!("post:{id}"),
            Target::Comment(_, id) => format!("comment:{id}"),
            Target::Person(id) => format!("person:{id}"),
            Target::Group(id) => format!("group:{id}"),
            Target::Tag(name) => format!("tag:{name}"),
        }
    }

    /// The object `link` names, when it is a path to one of our pages (`/posts/7`,
    /// `/posts/7#comment-9`, `/people/3`, `/groups/2`, `/tags/rust`).
    pub fn of(link: &str) -> Option<Target> {
        let rest = link.strip_prefix('/')?;
        if rest.starts_with('/') {
            return None;
        }
        let (path, fragment) = match rest.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (rest, None),
        };
        let path = path.split('?').next().unwrap_or_default();
        let (kind, key) = path.split_once('/')?;
        if key.is_empty() || key.contains('/') {
            return None;
        }
        match kind {
            "posts" => {
                let post = PostId::from(key.parse::<i64>().ok()?);
                match fragment.and_then(|f| f.strip_prefix("comment-")) {
                    Some(comment) => Some(Target::Comment(
                        post,
                        CommentId::from(comment.parse::<i64>().ok()?),
                    )),
                    None => Some(Target::Post(post)),
                }
            }
            "people" => Some(Target::Person(UserId::from(key.parse::<i64>().ok()?))),
            "groups" => Some(Target::Group(GroupId::from(key.parse::<i64>().ok()?))),
            "tags" => {
                let tag = percent_decode(key)?.to_lowercase();
                (!tag.is_empty()).then_some(Target::Tag(tag))
            }
            _ => None,
        }
    }
}

/// `link` as a path of `site`, when it is a page of ours.
pub fn as_path(link: &str, site: &Url) -> Option<String> {
    let url = Url::parse(link).ok()?;
    let base = site.path().trim_end_matches('/');
    if url.origin() != site.origin() {
        return None;
    }
    let path = url.path().strip_prefix(base)?;
    if !path.starts_with('/') {
        return None;
    }
    let mut out = path.to_string();
    if let Some(query) = url.query() {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    Some(out)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_objects() {
        assert_eq!(Target::of("/posts/7"), Some(Target::Post(PostId::from(7))));
        assert_eq!(
            Target::of("/posts/7#comment-9"),
            Some(Target::Comment(PostId::from(7), CommentId::from(9)))
        );
        assert_eq!(
            Target::of("/people/3"),
            Some(Target::Person(UserId::from(3)))
        );
        assert_eq!(
            Target::of("/groups/2?x=1"),
            Some(Target::Group(GroupId::from(2)))
        );
        assert_eq!(
            Target::of("/tags/caf%C3%A9"),
            Some(Target::Tag("café".into()))
        );
    }

    #[test]
    fn anything_else_names_nothing() {
        for link in [
            "https://x.example/posts/7",
            "//x.example/posts/7",
            "/posts/seven",
            "/posts/7/edit",
            "/posts/",
            "/files/1/a.pdf",
            "/tags/%ZZ",
            "/posts/7#comment-x",
        ] {
            assert_eq!(Target::of(link), None, "{link}");
        }
    }

    #[test]
    fn our_own_urls_become_paths() {
        let site = Url::parse("https://agora.example/social/").unwrap();
        assert_eq!(
            as_path("https://agora.example/social/posts/7#comment-2", &site).as_deref(),
            Some("/posts/7#comment-2")
        );
        assert_eq!(as_path("https://agora.example/posts/7", &site), None);
        assert_eq!(as_path("http://agora.example/social/posts/7", &site), None);
        assert_eq!(
            as_path("https://agora.example.evil/social/posts/7", &site),
            None
        );
    }
}

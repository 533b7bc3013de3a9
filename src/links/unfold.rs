//! Links to our own pages unfold into cards, per reader: a card shows only what the access
//! policy lets this reader see of the target. A link to anything she may not read stays the
//! bare link it was written as, and nothing (title, author, group, whether it exists) is told.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use super::internal::Target;
use crate::access::Scope;
use crate::accounts::{self, access::Circle};
use crate::db::DbConnection;
use crate::error::Result;
use crate::groups;
use crate::ids::{GroupId, PostId, UserId};
use crate::posts;

/// Cards per body, at most.
const MAX_CARDS: usize = 5;

/// One of our pages as a reader who may read it sees it under a link.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LinkCard {
    /// The link, as in the body.
    pub url: String,
    /// `post`, `comment`, `person`, `group` or `tag`.
    pub kind: &'static str,
    pub title: String,
    /// A line more: an excerpt, a job title, a description.
    pub detail: String,
}

/// The cards of each body in `bodies` (key, JSON array of its links) for the viewer: of the
/// first links to our pages, those she may read.
pub fn cards<K: Hash + Eq + Clone>(
    conn: &mut DbConnection,
    scope: &Scope,
    circle: &Circle,
    bodies: &[(K, &str)],
) -> Result<HashMap<K, Vec<LinkCard>>> {
    let wanted: Vec<(K, String, Target)> = bodies
        .iter()
        // Only a body with a path among its links can link to our pages.
        .filter(|(_, links)| links.contains("\"/"))
        .flat_map(|(key, links)| {
            serde_json::from_str::<Vec<String>>(links)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|link| Target::of(&link).map(|target| (link, target)))
                .take(MAX_CARDS)
                .map(|(link, target)| (key.clone(), link, target))
                .collect::<Vec<_>>()
        })
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let shown = Shown::load(conn, scope, circle, wanted.iter().map(|w| &w.2))?;
    let mut cards: HashMap<K, Vec<LinkCard>> = HashMap::new();
    for (key, url, target) in wanted {
        if let Some((kind, title, detail)) = shown.card(&target) {
            cards.entry(key).or_default().push(LinkCard {
                url,
                kind,
                title,
                detail,
            });
        }
    }
    Ok(cards)
}

/// What the viewer may see of the targets, loaded in one go per kind.
#[derive(Default)]
struct Shown {
    posts: HashMap<PostId, (String, String)>,
    comments: HashMap<i64, (String, String)>,
    people: HashMap<UserId, (String, String)>,
    groups: HashMap<GroupId, (String, String)>,
}

impl Shown {
    fn load<'a>(
        conn: &mut DbConnection,
        scope: &Scope,
        circle: &Circle,
        targets: impl Iterator<Item = &'a Target>,
    ) -> Result<Shown> {
        let (mut post_ids, mut people, mut group_ids, mut comment_ids) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for target in targets {
            match target {
                Target::Post(id) => post_ids.push(*id),
                Target::Comment(_, id) => comment_ids.push(*id),
                Target::Person(id) => people.push(*id),
                Target::Group(id) => group_ids.push(*id),
                Target::Tag(_) => {}
            }
        }
        let mut shown = Shown::default();
        let readable = posts::access::readable_posts(conn, scope, &post_ids)?;
        let mut comments = Vec::new();
        for id in comment_ids {
            // Rare enough to ask one by one, through the same check as the comment's page.
            if let Ok((comment, _)) = posts::access::visible_comment(conn, scope, id) {
                comments.push(comment);
            }
        }
        people.extend(readable.iter().map(|p| p.author_id));
        people.extend(comments.iter().map(|c| c.author_id));
        let cards = accounts::access::cards(conn, scope, circle, &people)?;
        let name = |id: &UserId| cards.get(id).map(|u| u.name.clone());
        for post in readable {
            if let Some(author) = name(&post.author_id) {
                let title = format!("Post by {author}");
                shown
                    .posts
                    .insert(post.id, (title, crate::signals::views::excerpt(&post.body)));
            }
        }
        for comment in comments {
            if let Some(author) = name(&comment.author_id) {
                let title = format!("Comment by {author}");
                let detail = crate::signals::views::excerpt(&comment.body);
                shown
                    .comments
                    .insert(i64::from(comment.id), (title, detail));
            }
        }
        // An author's byline comes with what she wrote; a person's own card, only to those
        // who may see her in the directory.
        for (id, user) in cards.iter().filter(|(id, _)| circle.contains(**id)) {
            shown
                .people
                .insert(*id, (user.name.clone(), user.title.clone()));
        }
        for id in group_ids {
            if let Ok(group) = groups::access::visible_group(conn, scope, id) {
                shown.groups.insert(id, (group.name, group.description));
            }
        }
        Ok(shown)
    }

    fn card(&self, target: &Target) -> Option<(&'static str, String, String)> {
        let (kind, (title, detail)) = match target {
            Target::Post(id) => ("post", self.posts.get(id)?.clone()),
            Target::Comment(_, id) => ("comment", self.comments.get(&i64::from(*id))?.clone()),
            Target::Person(id) => ("person", self.people.get(id)?.clone()),
            Target::Group(id) => ("group", self.groups.get(id)?.clone()),
            // Every reader may open a tag's page; it shows her only what she may read.
            Target::Tag(name) => ("tag", (format!("#{name}"), "Tag".to_string())),
        };
        Some((kind, title, detail))
    }
}

//! Index documents made from the database's current rows. Every change is applied by reading
//! the object again, so applying an event twice, or late, converges on the same document.
//! The indexer reads every row; who may see a document is decided at query time.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use tantivy::TantivyDocument;

use super::index::{EMPLOYEES_ONLY, Fields, Kind, key, visibility_code};
use super::query::{FILE, IMAGE, QUESTION, UNANSWERED};
use crate::accounts::User;
use crate::db::DbConnection;
use crate::db::schema::{attachments, blobs, comments, groups, post_tags, posts, tags, users};
use crate::error::Result;
use crate::groups::Group;
use crate::ids::{PostId, UserId};
use crate::posts::Post;
use crate::posts::markup::plain_text;

/// A document to put, or an object gone from the index.
pub enum Change {
    Put(Kind, i64, TantivyDocument),
    Delete(Kind, i64),
}

fn seconds(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

fn base(
    fields: &Fields,
    kind: Kind,
    id: i64,
    label: &str,
    created: NaiveDateTime,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.key, key(kind, id));
    doc.add_u64(fields.kind, kind.code());
    doc.add_i64(fields.id, id);
    doc.add_text(fields.label, label);
    doc.add_i64(fields.created, seconds(created));
    doc
}

/// Posts by id, each with its author's name, its own tags and its comments.
pub fn posts(conn: &mut DbConnection, fields: &Fields, ids: &[i64]) -> Result<Vec<Change>> {
    let rows: Vec<Post> = posts::table
        .filter(posts::id.eq_any(ids.to_vec()))
        .filter(posts::deleted_at.is_null())
        .select(Post::as_select())
        .load(conn)?;
    let mut changes = post_documents(conn, fields, &rows)?;
    let found: Vec<i64> = rows.iter().map(|p| p.id.0).collect();
    changes.extend(
        ids.iter()
            .filter(|id| !found.contains(id))
            .map(|&id| Change::Delete(Kind::Post, id)),
    );
    Ok(changes)
}

/// Up to `limit` live posts after `after`, in id order, for a rebuild: their documents and the
/// last id read.
pub fn posts_after(
    conn: &mut DbConnection,
    fields: &Fields,
    after: i64,
    limit: i64,
) -> Result<(Vec<Change>, Option<i64>)> {
    let rows: Vec<Post> = posts::table
        .filter(posts::id.gt(after))
        .filter(posts::deleted_at.is_null())
        .order(posts::id.asc())
        .limit(limit)
        .select(Post::as_select())
        .load(conn)?;
    let last = rows.last().map(|p| p.id.0);
    Ok((post_documents(conn, fields, &rows)?, last))
}

fn post_documents(conn: &mut DbConnection, fields: &Fields, rows: &[Post]) -> Result<Vec<Change>> {
    let ids: Vec<PostId> = rows.iter().map(|p| p.id).collect();
    let mut authors: Vec<UserId> = rows.iter().map(|p| p.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(authors))
        .select((users::id, users::name))
        .load(conn)?
        .into_iter()
        .collect();
    let mut tags_of: HashMap<PostId, Vec<String>> = HashMap::new();
    for (post, tag) in post_tags::table
        .inner_join(tags::table.on(tags::id.eq(post_tags::tag_id)))
        .filter(post_tags::post_id.eq_any(ids.clone()))
        .filter(post_tags::comment_id.eq(0))
        .select((post_tags::post_id, tags::name))
        .load::<(PostId, String)>(conn)?
    {
        tags_of.entry(post).or_default().push(tag);
    }
    let mut comments_of: HashMap<PostId, Vec<(bool, String)>> = HashMap::new();
    let comment_rows: Vec<(PostId, bool, String)> = comments::table
        .filter(comments::post_id.eq_any(ids.clone()))
        .filter(comments::deleted_at.is_null())
        .order(comments::id.asc())
        .select((comments::post_id, comments::employees_only, comments::body))
        .load(conn)?;
    for (post_id, employees_only, comment) in comment_rows {
        comments_of
            .entry(post_id)
            .or_default()
            .push((employees_only, plain_text(&comment)));
    }
    // Files are searched as what they are on: a post's with the post, a comment's with its
    // comment (so a file on a comment for employees only is for employees only).
    let mut files_of: HashMap<PostId, Vec<PostFile>> = HashMap::new();
    let post_files: Vec<(PostId, String, String, Option<String>)> = attachments::table
        .inner_join(blobs::table)
        .filter(attachments::post_id.eq_any(ids.clone()))
        .filter(attachments::gone_at.is_null())
        .select((
            attachments::post_id.assume_not_null(),
            attachments::name,
            blobs::content_type,
            blobs::text,
        ))
        .load(conn)?;
    for (post_id, name, content_type, text) in post_files {
        files_of.entry(post_id).or_default().push(PostFile {
            image: crate::files::sniff::Kind::from_content_type(&content_type).is_image(),
            text: [name, text.unwrap_or_default()].join(" "),
        });
    }
    let comment_files: Vec<(PostId, bool, String, Option<String>)> = attachments::table
        .inner_join(blobs::table)
        .inner_join(comments::table.on(attachments::comment_id.eq(comments::id.nullable())))
        .filter(comments::post_id.eq_any(ids))
        .filter(comments::deleted_at.is_null())
        .filter(attachments::gone_at.is_null())
        .select((
            comments::post_id,
            comments::employees_only,
            attachments::name,
            blobs::text,
        ))
        .load(conn)?;
    for (post_id, employees_only, name, text) in comment_files {
        comments_of
            .entry(post_id)
            .or_default()
            .push((employees_only, [name, text.unwrap_or_default()].join(" ")));
    }
    Ok(rows
        .iter()
        .map(|post| {
            let author = names.get(&post.author_id).map_or("", String::as_str);
            let mut doc = base(fields, Kind::Post, post.id.0, author, post.created_at);
            if post.employees_only {
                doc.add_u64(fields.visibility, EMPLOYEES_ONLY);
            }
            doc.add_text(fields.text, plain_text(&post.body));
            for (employees_only, comment) in comments_of.get(&post.id).into_iter().flatten() {
                let field = if *employees_only {
                    fields.staff_comments
                } else {
                    fields.comments
                };
                doc.add_text(field, comment);
            }
            for tag in tags_of.get(&post.id).into_iter().flatten() {
                doc.add_text(fields.tag, tag);
            }
            let files = files_of.get(&post.id).map_or(&[][..], Vec::as_slice);
            for file in files {
                doc.add_text(fields.text, &file.text);
            }
            if !files.is_empty() {
                doc.add_text(fields.marks, FILE);
            }
            if files.iter().any(|f| f.image) {
                doc.add_text(fields.marks, IMAGE);
            }
            for link in serde_json::from_str::<Vec<String>>(&post.links).unwrap_or_default() {
                doc.add_text(fields.links, link);
            }
            if post.question {
                doc.add_text(fields.marks, QUESTION);
                if post.best_answer_id.is_none() {
                    doc.add_text(fields.marks, UNANSWERED);
                }
            }
            doc.add_i64(fields.group, post.group_id.map_or(0, i64::from));
            doc.add_i64(fields.author, post.author_id.0);
            let engagement = post.like_count.max(0) + post.open_comment_count.max(0);
            doc.add_u64(fields.engagement, engagement.unsigned_abs());
            Change::Put(Kind::Post, post.id.0, doc)
        })
        .collect())
}

/// A file on a post, as search needs it.
struct PostFile {
    image: bool,
    /// Its name and the text inside it.
    text: String,
}

/// People by id (`None`: every one); the deactivated are removed.
pub fn people(
    conn: &mut DbConnection,
    fields: &Fields,
    ids: Option<&[i64]>,
) -> Result<Vec<Change>> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(ids) = ids {
        query = query.filter(users::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<User> = query.load(conn)?;
    let mut changes: Vec<Change> = rows
        .iter()
        .map(|user| {
            if !user.is_active() {
                return Change::Delete(Kind::Person, user.id.0);
            }
            let mut doc = base(fields, Kind::Person, user.id.0, &user.name, user.created_at);
            doc.add_text(fields.name, format!("{} {}", user.name, user.handle));
            let about = [
                user.handle.as_str(),
                &user.title,
                &user.department,
                &user.bio,
            ];
            doc.add_text(
                fields.text,
                about
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" · "),
            );
            Change::Put(Kind::Person, user.id.0, doc)
        })
        .collect();
    if let Some(ids) = ids {
        let found: Vec<i64> = rows.iter().map(|u| u.id.0).collect();
        changes.extend(
            ids.iter()
                .filter(|id| !found.contains(id))
                .map(|&id| Change::Delete(Kind::Person, id)),
        );
    }
    Ok(changes)
}

/// Groups by id (`None`: every one).
pub fn groups(
    conn: &mut DbConnection,
    fields: &Fields,
    ids: Option<&[i64]>,
) -> Result<Vec<Change>> {
    let mut query = groups::table.select(Group::as_select()).into_boxed();
    if let Some(ids) = ids {
        query = query.filter(groups::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<Group> = query.load(conn)?;
    Ok(rows
        .iter()
        .map(|group| {
            let mut doc = base(
                fields,
                Kind::Group,
                group.id.0,
                &group.name,
                group.created_at,
            );
            doc.add_text(fields.name, &group.name);
            doc.add_text(fields.text, &group.description);
            doc.add_i64(fields.group, group.id.0);
            doc.add_u64(fields.visibility, visibility_code(&group.visibility));
            doc.add_u64(fields.engagement, group.member_count.max(0).unsigned_abs());
            Change::Put(Kind::Group, group.id.0, doc)
        })
        .collect())
}

/// Tags by name (`None`: every one), each with the groups whose posts carry it, so a tag is
/// found only by those who may read one of them.
pub fn tags(
    conn: &mut DbConnection,
    fields: &Fields,
    names: Option<&[String]>,
) -> Result<Vec<Change>> {
    let mut query = tags::table
        .select((tags::id, tags::name, tags::created_at))
        .into_boxed();
    if let Some(names) = names {
        query = query.filter(tags::name.eq_any(names.to_vec()));
    }
    let rows: Vec<(i64, String, NaiveDateTime)> = query.load(conn)?;
    let used = post_tags::table
        .select((post_tags::tag_id, post_tags::group_id))
        .distinct();
    let used: Vec<(i64, Option<i64>)> = match names {
        // Every tag (a rebuild): one pass over the table. Filtered by the ids of all 5,000
        // tags, PostgreSQL took minutes over 1.5 million rows.
        None => used.load(conn)?,
        Some(_) => {
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            used.filter(post_tags::tag_id.eq_any(ids)).load(conn)?
        }
    };
    let mut groups_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (tag, group) in used {
        groups_of.entry(tag).or_default().push(group.unwrap_or(0));
    }
    Ok(rows
        .into_iter()
        .map(|(id, name, created)| {
            let mut doc = base(fields, Kind::Tag, id, &format!("#{name}"), created);
            doc.add_text(fields.name, &name);
            for group in groups_of.get(&id).into_iter().flatten() {
                doc.add_i64(fields.tag_groups, *group);
            }
            Change::Put(Kind::Tag, id, doc)
        })
        .collect())
}

//! What an export holds, written into its ZIP as it is read, page by page, so memory stays
//! bounded however much she wrote:
//!
//! - `actor.json`: her profile as an ActivityStreams `Person`;
//! - `outbox.json`: an `OrderedCollection` of `Create` activities, one per post (a `Note`, or a
//!   `Question` with its options when it carries a poll) and per comment (a `Note` whose
//!   `inReplyTo` is the address of the post it answers), oldest first, as Mastodon's archive
//!   has it; attachments are `Image` or `Document` objects whose `url` is their file inside
//!   the ZIP;
//! - `likes.json`: her `Like` activities; `following.json`: the people, groups and tags she
//!   follows; `bookmarks.json`: the addresses of what she saved;
//! - `attachments/<id>/<name>`: the files she uploaded (her photo too), read through the store;
//! - `index.html`: all of it to read in a browser, offline, without scripts.
//!
//! Everything is read as she may read it now (`crate::posts::access`, `crate::files::access`),
//! through the same loaders and views her pages use.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};

use chrono::{NaiveDateTime, SecondsFormat};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::access::Scope;
use crate::accounts::User;
use crate::accounts::UserView;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::files::store::Form;
use crate::files::{FileView, Files};
use crate::ids::{FileId, GroupId};
use crate::posts::views::{comment_views, post_views};
use crate::posts::{CommentView, PostView};

/// The context every JSON document of an export names.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// Rows read per page.
const PAGE: i64 = 100;

/// What writing an archive reads from.
pub struct Source<'a> {
    pub db: &'a Db,
    pub files: &'a Files,
    /// To read stored files from this blocking thread.
    pub runtime: &'a tokio::runtime::Handle,
    /// The site's public address: ids and links in the archive are absolute.
    pub base: &'a str,
    /// Whose export it is, as she is now.
    pub user: &'a User,
    /// Her scope, resolved once when the build started.
    pub scope: &'a Scope,
    /// When the build started: the archive's date.
    pub now: NaiveDateTime,
}

/// A file of hers to copy into the archive.
struct Packed {
    id: FileId,
    path: String,
    content_type: String,
}

/// The archive being written, with the HTML index gathered beside it.
struct Writer<'s, 'a, W: Write + Seek> {
    src: &'s Source<'a>,
    zip: ZipWriter<W>,
    /// The index's sections, written to a temporary file as they come and copied in last.
    index: BufWriter<File>,
    packed: Vec<Packed>,
    seen: HashSet<FileId>,
    /// Called between pages: renews the builder's lease, or says to stop.
    keep: &'s mut dyn FnMut() -> Result<()>,
}

/// Writes the whole archive into `out`; `keep` is called between pages (an error stops it).
/// Returns `out`, finished.
pub fn write<W: Write + Seek>(
    src: &Source<'_>,
    out: W,
    keep: &mut dyn FnMut() -> Result<()>,
) -> Result<W> {
    let index = BufWriter::new(tempfile::tempfile().map_err(Error::internal)?);
    let mut writer = Writer {
        src,
        zip: ZipWriter::new(out),
        index,
        packed: Vec::new(),
        seen: HashSet::new(),
        keep,
    };
    writer.actor()?;
    writer.outbox()?;
    writer.likes()?;
    writer.following()?;
    writer.bookmarks()?;
    writer.attachments()?;
    writer.index_html()?;
    writer.zip.finish().map_err(Error::internal)
}

impl<W: Write + Seek> Writer<'_, '_, W> {
    fn actor_id(&self) -> String {
        format!("{}/people/{}", self.src.base, self.src.user.id)
    }

    fn options(&self, compress: bool) -> SimpleFileOptions {
        let now = self.src.now;
        let time = zip::DateTime::from_date_and_time(
            u16::try_from(chrono::Datelike::year(&now)).unwrap_or(1980),
            chrono::Datelike::month(&now) as u8,
            chrono::Datelike::day(&now) as u8,
            chrono::Timelike::hour(&now) as u8,
            chrono::Timelike::minute(&now) as u8,
            chrono::Timelike::second(&now) as u8,
        )
        .unwrap_or_default();
        SimpleFileOptions::default()
            .compression_method(match compress {
                true => CompressionMethod::Deflated,
                false => CompressionMethod::Stored,
            })
            .last_modified_time(time)
            .large_file(true)
    }

    fn start(&mut self, name: &str, compress: bool) -> Result<()> {
        let options = self.options(compress);
        self.zip.start_file(name, options).map_err(Error::internal)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.zip.write_all(bytes).map_err(Error::internal)
    }

    fn html(&mut self, text: &str) -> Result<()> {
        self.index
            .write_all(text.as_bytes())
            .map_err(Error::internal)
    }

    /// Reads with her scope, on one connection.
    fn read<T>(
        &self,
        work: impl FnOnce(&mut crate::db::DbConnection, &Scope) -> Result<T>,
    ) -> Result<T> {
        let scope = self.src.scope;
        self.src.db.read(|conn| work(conn, scope))
    }

    // ---- actor.json -----------------------------------------------------------------

    fn actor(&mut self) -> Result<()> {
        (self.keep)()?;
        let user = self.src.user;
        let me = UserView::of(user, &user.viewer());
        let mut actor = Map::new();
        actor.insert("@context".into(), json!(AS_CONTEXT));
        actor.insert("id".into(), json!(self.actor_id()));
        actor.insert("type".into(), json!("Person"));
        actor.insert("name".into(), json!(user.name));
        actor.insert("preferredUsername".into(), json!(user.handle));
        if !user.bio.trim().is_empty() {
            actor.insert("summary".into(), json!(paragraphs(&user.bio)));
        }
        actor.insert("url".into(), json!(self.actor_id()));
        actor.insert("published".into(), json!(stamp(user.created_at)));
        actor.insert("outbox".into(), json!("outbox.json"));
        actor.insert("liked".into(), json!("likes.json"));
        actor.insert("following".into(), json!("following.json"));
        let mut photo = None;
        if let Some(id) = user.photo_id {
            let opened = self.src.runtime.block_on(self.src.files.open(
                self.src.db,
                self.src.scope.viewer(),
                id,
                Form::Original,
            ));
            if let Ok(opened) = opened {
                let path = self.pack(id, &opened.view);
                actor.insert(
                    "icon".into(),
                    json!({"type": "Image", "mediaType": opened.view.content_type, "url": path}),
                );
                photo = Some(path);
            }
        }
        self.start("actor.json", true)?;
        let bytes = serde_json::to_vec_pretty(&Value::Object(actor)).map_err(Error::internal)?;
        self.put(&bytes)?;
        // The index opens with her profile.
        let mut rows = String::new();
        for (label, value) in [
            ("Name", &me.name),
            ("Handle", &format!("@{}", me.handle)),
            ("Email", &user.email),
            ("Title", &me.title),
            ("Department", &me.department),
            ("Pronouns", &me.pronouns),
            ("Location", &me.location),
            ("Phone", &me.phone),
            ("Time zone", &me.time_zone),
        ] {
            if !value.trim().is_empty() {
                rows.push_str(&format!("<dt>{label}</dt><dd>{}</dd>", esc(value)));
            }
        }
        let picture = photo
            .map(|path| {
                format!(
                    "<img class=\"photo\" src=\"{}\" alt=\"Your photo\" width=\"96\">",
                    esc(&path)
                )
            })
            .unwrap_or_default();
        let bio = match user.bio.trim().is_empty() {
            true => String::new(),
            false => paragraphs(&user.bio),
        };
        self.html(&format!(
            "<section id=\"profile\"><h2>Profile</h2>{picture}<dl>{rows}</dl>{bio}</section>\n"
        ))
    }

    // ---- outbox.json ----------------------------------------------------------------

    fn outbox(&mut self) -> Result<()> {
        let header = json!({
            "@context": AS_CONTEXT,
            "id": "outbox.json",
            "type": "OrderedCollection",
            "summary": format!("What {} wrote on Agora", self.src.user.name),
        });
        self.start("outbox.json", true)?;
        Collection::begin(&mut self.zip, &header)?;
        let mut count = 0;
        self.html("<section id=\"posts\"><h2>Posts</h2>\n")?;
        let mut after = None;
        loop {
            (self.keep)()?;
            let (views, next, own) = self.read(|conn, scope| {
                let page = crate::posts::access::own_posts(conn, scope, after, PAGE)?;
                let views = post_views(conn, scope, &page.items)?;
                let own = own_files(conn, scope, views.iter().flat_map(|v| &v.attachments))?;
                Ok((views, page.next, own))
            })?;
            for view in &views {
                let attachments = self.attachments_of(&view.attachments, &own);
                let note = self.post_note(view, &attachments);
                let what = format!("post-{}", view.id);
                let create = self.create(&what, &note, &view.created_at);
                Collection::item(&mut self.zip, count, &create)?;
                count += 1;
                let article = self.post_html(view, &attachments);
                self.html(&article)?;
            }
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let posts = count;
        if posts == 0 {
            self.html("<p>None.</p>")?;
        }
        self.html("</section>\n<section id=\"comments\"><h2>Comments</h2>\n")?;
        let mut after = None;
        loop {
            (self.keep)()?;
            let (views, next, own) = self.read(|conn, scope| {
                let page = crate::posts::access::own_comments(conn, scope, after, PAGE)?;
                let comments: Vec<_> = page.items.iter().map(|(c, _)| c.clone()).collect();
                let views = comment_views(conn, scope, None, &comments)?;
                let own = own_files(conn, scope, views.iter().flat_map(|v| &v.attachments))?;
                Ok((views, page.next, own))
            })?;
            for view in &views {
                let attachments = self.attachments_of(&view.attachments, &own);
                let note = self.comment_note(view, &attachments);
                let what = format!("comment-{}", view.id);
                let create = self.create(&what, &note, &view.created_at);
                Collection::item(&mut self.zip, count, &create)?;
                count += 1;
                let article = self.comment_html(view, &attachments);
                self.html(&article)?;
            }
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        if count == posts {
            self.html("<p>None.</p>")?;
        }
        self.html("</section>\n")?;
        Collection::end(&mut self.zip, count)
    }

    /// Her files among `files` as the archive carries them: inside it when she uploaded
    /// them, else by their address on the site.
    fn attachments_of(
        &mut self,
        files: &[FileView],
        own: &HashSet<FileId>,
    ) -> Vec<(FileView, String)> {
        files
            .iter()
            .map(|file| {
                let id = file.id.parse::<FileId>().ok().filter(|id| own.contains(id));
                let url = match id {
                    Some(id) => self.pack(id, file),
                    None => format!("{}{}", self.src.base, file.url),
                };
                (file.clone(), url)
            })
            .collect()
    }

    /// Notes file `id` to be copied in; its path inside the archive.
    fn pack(&mut self, id: FileId, file: &FileView) -> String {
        let path = format!("attachments/{id}/{}", safe_name(&file.name));
        if self.seen.insert(id) {
            self.packed.push(Packed {
                id,
                path: path.clone(),
                content_type: file.content_type.clone(),
            });
        }
        path
    }

    fn post_url(&self, id: &str) -> String {
        format!("{}/posts/{id}", self.src.base)
    }

    /// The `Create` of `object`, named `activities/<what>` under her actor.
    fn create(&self, what: &str, object: &Value, at: &chrono::DateTime<chrono::Utc>) -> Value {
        let mut create = json!({
            "id": format!("{}/activities/{what}", self.actor_id()),
            "type": "Create",
            "actor": self.actor_id(),
            "published": at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "object": object,
        });
        if let Some(audience) = object.get("audience") {
            create["audience"] = audience.clone();
        }
        create
    }

    fn audience(&self, group: Option<&crate::groups::GroupView>) -> Value {
        match group {
            Some(group) => json!({
                "id": format!("{}/groups/{}", self.src.base, group.id),
                "type": "Group",
                "name": group.name,
            }),
            None => json!({
                "id": format!("{}/company", self.src.base),
                "type": "Organization",
                "name": "Company feed",
            }),
        }
    }

    fn post_note(&self, post: &PostView, attachments: &[(FileView, String)]) -> Value {
        let url = self.post_url(&post.id);
        let mut note = self.body_object(
            &url,
            &post.html,
            &post.body,
            &post.created_at,
            post.edited_at.as_ref(),
            attachments,
        );
        note["audience"] = self.audience(post.group.as_ref());
        let mut tags: Vec<Value> = post
            .tags
            .iter()
            .map(|tag| {
                json!({
                    "type": "Link",
                    "href": format!("{}/tags/{tag}", self.src.base),
                    "name": format!("#{tag}"),
                })
            })
            .collect();
        tags.extend(post.mentions.iter().map(
            |id| json!({"type": "Mention", "href": format!("{}/people/{id}", self.src.base)}),
        ));
        if !tags.is_empty() {
            note["tag"] = Value::Array(tags);
        }
        if let Some(poll) = &post.poll {
            note["type"] = json!("Question");
            let options: Vec<Value> = poll
                .options
                .iter()
                .map(|option| {
                    let mut choice = json!({"type": "Note", "name": option.label});
                    if let Some(votes) = option.votes {
                        choice["replies"] = json!({"type": "Collection", "totalItems": votes});
                    }
                    choice
                })
                .collect();
            note[if poll.multiple { "anyOf" } else { "oneOf" }] = Value::Array(options);
            if let Some(closes) = poll.closes_at {
                let at = closes.to_rfc3339_opts(SecondsFormat::Secs, true);
                note["endTime"] = json!(at);
                if poll.closed {
                    note["closed"] = json!(at);
                }
            }
        }
        if let Some(shared) = post.shared.as_ref().and_then(|s| s.post.as_ref()) {
            // Shares name what they share by its address only.
            note["context"] = json!(self.post_url(&shared.id));
        }
        note
    }

    fn comment_note(&self, comment: &CommentView, attachments: &[(FileView, String)]) -> Value {
        let post = self.post_url(&comment.post_id);
        let url = format!("{post}#comment-{}", comment.id);
        let mut note = self.body_object(
            &url,
            &comment.html,
            &comment.body,
            &comment.created_at,
            comment.edited_at.as_ref(),
            attachments,
        );
        // The post it answers, by its address: never anything of its text.
        note["inReplyTo"] = json!(post);
        note
    }

    fn body_object(
        &self,
        url: &str,
        html: &str,
        markdown: &str,
        created: &chrono::DateTime<chrono::Utc>,
        edited: Option<&chrono::DateTime<chrono::Utc>>,
        attachments: &[(FileView, String)],
    ) -> Value {
        let mut note = json!({
            "id": url,
            "type": "Note",
            "attributedTo": self.actor_id(),
            "content": absolute_links(html, self.src.base),
            "mediaType": "text/html",
            "source": {"content": markdown, "mediaType": "text/markdown"},
            "published": created.to_rfc3339_opts(SecondsFormat::Secs, true),
            "url": url,
        });
        if let Some(edited) = edited {
            note["updated"] = json!(edited.to_rfc3339_opts(SecondsFormat::Secs, true));
        }
        if !attachments.is_empty() {
            let documents: Vec<Value> = attachments
                .iter()
                .map(|(file, url)| {
                    let mut document = json!({
                        "type": if file.image { "Image" } else { "Document" },
                        "mediaType": file.content_type,
                        "url": url,
                        "name": if file.alt.is_empty() { &file.name } else { &file.alt },
                    });
                    if let (true, Some(width), Some(height)) = (file.image, file.width, file.height)
                    {
                        document["width"] = json!(width);
                        document["height"] = json!(height);
                    }
                    document
                })
                .collect();
            note["attachment"] = Value::Array(documents);
        }
        note
    }

    fn post_html(&self, post: &PostView, attachments: &[(FileView, String)]) -> String {
        let url = self.post_url(&post.id);
        let place = match &post.group {
            Some(group) => format!("in {}", esc(&group.name)),
            None => "in the company feed".to_string(),
        };
        let mut extra = String::new();
        if let Some(poll) = &post.poll {
            extra.push_str(&format!("<p class=\"meta\">{}</p>", esc(&poll.as_text())));
        }
        format!(
            "<article id=\"post-{id}\"><p class=\"meta\"><a href=\"{url}\">{when}</a> {place}{edited}</p>{body}{extra}{files}</article>\n",
            id = post.id,
            url = esc(&url),
            when = esc(&readable_time(&post.created_at)),
            edited = edited_note(post.edited_at.as_ref()),
            body = absolute_links(&post.html, self.src.base),
            files = files_html(attachments),
        )
    }

    fn comment_html(&self, comment: &CommentView, attachments: &[(FileView, String)]) -> String {
        let post = self.post_url(&comment.post_id);
        format!(
            "<article id=\"comment-{id}\"><p class=\"meta\">{when}, on <a href=\"{post}\">{post}</a>{edited}</p>{body}{files}</article>\n",
            id = comment.id,
            post = esc(&post),
            when = esc(&readable_time(&comment.created_at)),
            edited = edited_note(comment.edited_at.as_ref()),
            body = absolute_links(&comment.html, self.src.base),
            files = files_html(attachments),
        )
    }

    // ---- likes.json -----------------------------------------------------------------

    fn likes(&mut self) -> Result<()> {
        let header = json!({
            "@context": AS_CONTEXT,
            "id": "likes.json",
            "type": "OrderedCollection",
            "summary": format!("What {} liked on Agora", self.src.user.name),
        });
        self.start("likes.json", true)?;
        Collection::begin(&mut self.zip, &header)?;
        self.html("<section id=\"likes\"><h2>Likes</h2><ul>\n")?;
        let mut count = 0;
        let mut after = None;
        loop {
            (self.keep)()?;
            let page = self.read(|conn, scope| {
                crate::posts::access::own_post_likes(conn, scope, after, PAGE)
            })?;
            for (post, at) in &page.items {
                let url = self.post_url(&post.id.to_string());
                self.like(count, &format!("post-{}", post.id), &url, *at)?;
                count += 1;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut after = None;
        loop {
            (self.keep)()?;
            let page = self.read(|conn, scope| {
                crate::posts::access::own_comment_likes(conn, scope, after, PAGE)
            })?;
            for (comment, post, at) in &page.items {
                let url = format!(
                    "{}#comment-{}",
                    self.post_url(&post.id.to_string()),
                    comment.id
                );
                self.like(count, &format!("comment-{}", comment.id), &url, *at)?;
                count += 1;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        if count == 0 {
            self.html("<li>None.</li>")?;
        }
        self.html("</ul></section>\n")?;
        Collection::end(&mut self.zip, count)
    }

    fn like(&mut self, count: usize, what: &str, url: &str, at: NaiveDateTime) -> Result<()> {
        let like = json!({
            "id": format!("{}/likes/{what}", self.actor_id()),
            "type": "Like",
            "actor": self.actor_id(),
            "object": url,
            "published": stamp(at),
        });
        Collection::item(&mut self.zip, count, &like)?;
        let line = format!(
            "<li><a href=\"{url}\">{url}</a> <span class=\"meta\">liked {when}</span></li>\n",
            url = esc(url),
            when = esc(&readable_time(&at.and_utc())),
        );
        self.html(&line)
    }

    // ---- following.json -------------------------------------------------------------

    fn following(&mut self) -> Result<()> {
        (self.keep)()?;
        let me = self.src.user.id;
        let (people, groups, tags) = self.read(|conn, scope| {
            let circle = crate::accounts::access::circle(conn, scope)?;
            let ids: Vec<_> = crate::follows::followed_users(conn, me)?
                .into_iter()
                .filter(|id| circle.contains(*id))
                .collect();
            let mut people: Vec<UserView> =
                crate::accounts::access::cards(conn, scope, &circle, &ids)?
                    .into_values()
                    .filter(|card| !card.deactivated)
                    .collect();
            people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            let mut groups = Vec::new();
            let mut member_of: Vec<GroupId> = scope.member_groups();
            member_of.sort_unstable();
            for id in member_of {
                if let Ok(group) = crate::groups::access::visible_group(conn, scope, id) {
                    groups.push(group);
                }
            }
            groups.sort_by(|a, b| a.name_key.cmp(&b.name_key));
            let tag_ids = crate::follows::followed_tags(conn, me)?;
            let mut tags: Vec<String> = crate::tags::system::names(conn, &tag_ids)?
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            tags.sort();
            Ok((people, groups, tags))
        })?;
        let base = self.src.base;
        let mut items = Vec::new();
        let mut html = String::from("<section id=\"following\"><h2>Following</h2>");
        html.push_str("<h3>People</h3><ul>");
        for person in &people {
            let url = format!("{base}/people/{}", person.id);
            items.push(json!({
                "id": url,
                "type": "Person",
                "name": person.name,
                "preferredUsername": person.handle,
            }));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a> @{}</li>",
                esc(&url),
                esc(&person.name),
                esc(&person.handle)
            ));
        }
        if people.is_empty() {
            html.push_str("<li>None.</li>");
        }
        html.push_str("</ul><h3>Groups</h3><ul>");
        for group in &groups {
            let url = format!("{base}/groups/{}", group.id);
            items.push(json!({"id": url, "type": "Group", "name": group.name}));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                esc(&url),
                esc(&group.name)
            ));
        }
        if groups.is_empty() {
            html.push_str("<li>None.</li>");
        }
        html.push_str("</ul><h3>Tags</h3><ul>");
        for tag in &tags {
            let url = format!("{base}/tags/{tag}");
            items.push(json!({"type": "Link", "href": url, "name": format!("#{tag}")}));
            html.push_str(&format!(
                "<li><a href=\"{}\">#{}</a></li>",
                esc(&url),
                esc(tag)
            ));
        }
        if tags.is_empty() {
            html.push_str("<li>None.</li>");
        }
        html.push_str("</ul></section>\n");
        let collection = json!({
            "@context": AS_CONTEXT,
            "id": "following.json",
            "type": "OrderedCollection",
            "summary": format!("Who and what {} follows on Agora: people, groups (she is a member of) and tags", self.src.user.name),
            "totalItems": items.len(),
            "orderedItems": items,
        });
        self.start("following.json", true)?;
        let bytes = serde_json::to_vec_pretty(&collection).map_err(Error::internal)?;
        self.put(&bytes)?;
        self.html(&html)
    }

    // ---- bookmarks.json -------------------------------------------------------------

    fn bookmarks(&mut self) -> Result<()> {
        let header = json!({
            "@context": AS_CONTEXT,
            "id": "bookmarks.json",
            "type": "OrderedCollection",
            "summary": format!("What {} saved on Agora, newest first", self.src.user.name),
        });
        self.start("bookmarks.json", true)?;
        Collection::begin(&mut self.zip, &header)?;
        self.html("<section id=\"bookmarks\"><h2>Bookmarks</h2><ul>\n")?;
        let mut count = 0;
        let mut before = None;
        loop {
            (self.keep)()?;
            let page = self
                .read(|conn, scope| crate::posts::saved::saved_page(conn, scope, before, PAGE))?;
            for item in &page.items {
                let post = self.post_url(&item.post.id);
                let url = match &item.comment {
                    Some(comment) => format!("{post}#comment-{}", comment.id),
                    None => post,
                };
                Collection::item(&mut self.zip, count, &json!(url))?;
                count += 1;
                let line = format!(
                    "<li><a href=\"{url}\">{url}</a> <span class=\"meta\">saved {when}</span></li>\n",
                    url = esc(&url),
                    when = esc(&readable_time(&item.saved_at)),
                );
                self.html(&line)?;
            }
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        if count == 0 {
            self.html("<li>None.</li>")?;
        }
        self.html("</ul></section>\n")?;
        Collection::end(&mut self.zip, count)
    }

    // ---- attachments/ ---------------------------------------------------------------

    fn attachments(&mut self) -> Result<()> {
        let packed = std::mem::take(&mut self.packed);
        for file in &packed {
            (self.keep)()?;
            let src = self.src;
            let opened = src.runtime.block_on(src.files.open(
                src.db,
                src.scope.viewer(),
                file.id,
                Form::Original,
            ));
            // Gone since it was listed (its post deleted meanwhile): left out.
            let mut opened = match opened {
                Ok(opened) => opened,
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error),
            };
            self.start(&file.path, compressible(&file.content_type))?;
            while let Some(chunk) = src.runtime.block_on(opened.download.chunks.next()) {
                self.put(&chunk?)?;
                // A large file takes a while: the lease is renewed on the way when due.
                (self.keep)()?;
            }
        }
        Ok(())
    }

    // ---- index.html -----------------------------------------------------------------

    fn index_html(&mut self) -> Result<()> {
        let user = self.src.user;
        let head = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{name}: Agora export</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <header><h1>{name}</h1><p class=\"meta\">@{handle} · exported {when} from \
             <a href=\"{base}\">{base}</a></p>\n<nav><a href=\"#profile\">Profile</a> · \
             <a href=\"#posts\">Posts</a> · <a href=\"#comments\">Comments</a> · \
             <a href=\"#likes\">Likes</a> · <a href=\"#following\">Following</a> · \
             <a href=\"#bookmarks\">Bookmarks</a></nav></header>\n<main>\n",
            name = esc(&user.name),
            handle = esc(&user.handle),
            when = esc(&readable_time(&self.src.now.and_utc())),
            base = esc(self.src.base),
        );
        let tail = "</main>\n<footer><p class=\"meta\">The same, for programs, as ActivityStreams 2.0 \
             JSON: <a href=\"actor.json\">actor.json</a>, <a href=\"outbox.json\">outbox.json</a>, \
             <a href=\"likes.json\">likes.json</a>, <a href=\"following.json\">following.json</a>, \
             <a href=\"bookmarks.json\">bookmarks.json</a>; your files are in \
             <code>attachments/</code>. Links lead to Agora, where they open for whoever may \
             read them.</p></footer>\n</body>\n</html>\n";
        self.index.flush().map_err(Error::internal)?;
        let mut body = self.index.get_ref().try_clone().map_err(Error::internal)?;
        body.rewind().map_err(Error::internal)?;
        self.start("index.html", true)?;
        self.put(head.as_bytes())?;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = body.read(&mut buffer).map_err(Error::internal)?;
            if read == 0 {
                break;
            }
            self.put(&buffer[..read])?;
        }
        self.put(tail.as_bytes())
    }
}

/// The index's look: plain, readable, no fonts or scripts from anywhere.
const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48rem;\
margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2328;background:#fff}\
a{color:#0969da}article{border-top:1px solid #d0d7de;padding:.75rem 0}\
.meta{color:#57606a;font-size:.875rem;margin:.25rem 0}img{max-width:100%;height:auto}\
.photo{border-radius:50%}dt{font-weight:600}dd{margin:0 0 .5rem 0}\
ul.files{padding-left:1.25rem}nav{margin:.5rem 0 1.5rem}";

/// A JSON collection written item by item into the entry open in the ZIP: the header's
/// fields, then `orderedItems`, then `totalItems` once they are counted.
struct Collection;

impl Collection {
    fn begin<W: Write + Seek>(zip: &mut ZipWriter<W>, header: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(header).map_err(Error::internal)?;
        let open = text
            .trim_end()
            .strip_suffix('}')
            .unwrap_or(&text)
            .trim_end();
        let start = format!("{open},\n  \"orderedItems\": [\n");
        zip.write_all(start.as_bytes()).map_err(Error::internal)
    }

    fn item<W: Write + Seek>(zip: &mut ZipWriter<W>, index: usize, item: &Value) -> Result<()> {
        if index > 0 {
            zip.write_all(b",\n").map_err(Error::internal)?;
        }
        serde_json::to_writer(&mut *zip, item).map_err(Error::internal)
    }

    fn end<W: Write + Seek>(zip: &mut ZipWriter<W>, count: usize) -> Result<()> {
        let end = format!("\n  ],\n  \"totalItems\": {count}\n}}\n");
        zip.write_all(end.as_bytes()).map_err(Error::internal)
    }
}

/// Which of `files` the viewer uploaded herself.
fn own_files<'v>(
    conn: &mut crate::db::DbConnection,
    scope: &Scope,
    files: impl Iterator<Item = &'v FileView>,
) -> Result<HashSet<FileId>> {
    let ids: Vec<FileId> = files.filter_map(|f| f.id.parse().ok()).collect();
    crate::files::access::uploaded_by_viewer(conn, scope, &ids)
}

/// The list of a body's files in the index.
fn files_html(attachments: &[(FileView, String)]) -> String {
    if attachments.is_empty() {
        return String::new();
    }
    let mut html = String::from("<ul class=\"files\">");
    for (file, url) in attachments {
        let label = esc(&file.name);
        match file.image {
            true => html.push_str(&format!(
                "<li><a href=\"{url}\"><img src=\"{url}\" alt=\"{alt}\" loading=\"lazy\"></a></li>",
                url = esc(url),
                alt = esc(&file.alt),
            )),
            false => html.push_str(&format!(
                "<li><a href=\"{}\">{label}</a> <span class=\"meta\">{}</span></li>",
                esc(url),
                esc(&file.size_text())
            )),
        }
    }
    html.push_str("</ul>");
    html
}

fn edited_note(edited: Option<&chrono::DateTime<chrono::Utc>>) -> String {
    edited
        .map(|at| format!(" · edited {}", esc(&readable_time(at))))
        .unwrap_or_default()
}

/// Whether a file gains from compressing: not images, sound, video or archives.
fn compressible(content_type: &str) -> bool {
    !(content_type.starts_with("image/")
        || content_type.starts_with("audio/")
        || content_type.starts_with("video/")
        || content_type.contains("zip")
        || content_type.contains("compressed"))
}

/// A file name safe as the last part of a path inside the archive: no separators, no
/// control characters, never `.` or `..` or hidden.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    match trimmed.is_empty() {
        true => "file".to_string(),
        false => trimmed.to_string(),
    }
}

/// Links in sanitized HTML that lead to our own pages (`/tags/…`) made absolute, so they
/// work from a file on her disk.
fn absolute_links(html: &str, base: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base}/"))
        .replace("src=\"/", &format!("src=\"{base}/"))
}

/// Plain text as HTML paragraphs, escaped.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>")))
        .collect()
}

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn stamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn readable_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_inside_the_archive_never_climb_out() {
        assert_eq!(safe_name("report.pdf"), "report.pdf");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("a\u{0}b"), "a_b");
        assert_eq!(safe_name(""), "file");
    }

    #[test]
    fn our_links_become_absolute_and_text_is_escaped() {
        assert_eq!(
            absolute_links(
                "<a href=\"/tags/x\">#x</a> <a href=\"https://e.x/\">e</a>",
                "https://a.example"
            ),
            "<a href=\"https://a.example/tags/x\">#x</a> <a href=\"https://e.x/\">e</a>"
        );
        assert_eq!(esc("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
        assert_eq!(paragraphs("a\nb\n\n<c>"), "<p>a<br>b</p><p>&lt;c&gt;</p>");
    }
}

//! Feeds, follows and tags.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery, read, write};
use crate::App;
use crate::feeds::{self, Feed};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{GroupId, UserId};
use crate::posts::PostView;
use crate::posts::listing::{Listing, Show, Sort};
use crate::{follows, posts, tags};

async fn feed(
    app: web::Data<App>,
    caller: Caller,
    feed: Feed,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let cursor = query.into_inner().cursor;
    let page = read(&app, &caller, move |conn, scope| {
        feeds::read(conn, scope, &feed, cursor.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/feeds/home", tag = "feeds", params(PageQuery),
    responses((status = 200, body = Page<PostView>), (status = 401, body = Problem)))]
/// Own posts, people and tags followed, groups joined; newest first.
pub async fn home_feed(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    feed(app, caller, Feed::Home, query).await
}

/// `?show=&sort=&window=` of the company, group and tag feeds.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListingQuery {
    /// `all` (the default), `questions`, or `unanswered` (questions without a best answer).
    pub show: Option<String>,
    /// `latest` (the default), `activity` (newest comment first), or `top` (likes plus
    /// comments, within `window`). A cursor pages only the order that made it.
    pub sort: Option<String>,
    /// For `top`: `day`, `week` (the default), `month` or `all`.
    pub window: Option<String>,
}

impl ListingQuery {
    /// The listing asked for, checked.
    pub fn listing(&self) -> crate::error::Result<Listing> {
        Ok(Listing {
            show: Show::parse(self.show.as_deref())?,
            sort: Sort::parse(self.sort.as_deref(), self.window.as_deref())?,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/feeds/company", tag = "feeds", params(PageQuery, ListingQuery),
    responses((status = 200, body = Page<PostView>), (status = 403, description = "guests", body = Problem)))]
/// Every post the viewer may see outside private groups.
pub async fn company_feed(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<PageQuery>,
    listing: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = listing.listing()?;
    feed(app, caller, Feed::Company(listing), query).await
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/feed", tag = "feeds", params(("id" = String, Path), PageQuery, ListingQuery),
    responses((status = 200, body = Page<PostView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// One group's posts.
pub async fn group_feed(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    query: web::Query<PageQuery>,
    listing: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let listing = listing.listing()?;
    feed(app, caller, Feed::Group(id, listing), query).await
}

#[utoipa::path(get, path = "/api/v1/tags/{name}/feed", tag = "feeds", params(("name" = String, Path), PageQuery, ListingQuery),
    responses((status = 200, body = Page<PostView>), (status = 422, body = Problem)))]
/// Posts with one tag that the viewer may see.
pub async fn tag_feed(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
    query: web::Query<PageQuery>,
    listing: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = listing.listing()?;
    feed(app, caller, Feed::Tag(name.into_inner(), listing), query).await
}

#[utoipa::path(get, path = "/api/v1/users/{id}/feed", tag = "feeds", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<PostView>), (status = 404, body = Problem)))]
/// One person's posts that the viewer may see.
pub async fn person_feed(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    feed(app, caller, Feed::Person(id), query).await
}

/// A tag with its use count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TagCount {
    pub name: String,
    pub count: i64,
}

#[utoipa::path(get, path = "/api/v1/tags/trending", tag = "tags",
    responses((status = 200, body = Page<TagCount>), (status = 401, body = Problem)))]
/// Tags most used in the last 7 days, counted only over what the viewer may see.
pub async fn trending_tags(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let trending = app.trending.clone();
    let rows = read(&app, &caller, move |conn, scope| {
        trending.tags(conn, scope, 20)
    })
    .await?;
    let items: Vec<TagCount> = rows
        .into_iter()
        .map(|(name, count)| TagCount { name, count })
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// `?q=` of the tag list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TagQuery {
    /// The start of a tag name, with or without `#`.
    pub q: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// A tag's name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TagName {
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", params(TagQuery),
    responses((status = 200, body = Page<TagName>), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Tags whose name starts with `q`, in alphabetical order, for `#` autocomplete: only tags of
/// posts and comments the viewer may read.
pub async fn list_tags(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<TagQuery>,
) -> Result<HttpResponse, ApiError> {
    let TagQuery { q, limit } = query.into_inner();
    let limit = PageQuery {
        cursor: None,
        limit,
    }
    .limit()?;
    let prefix = q
        .unwrap_or_default()
        .trim()
        .trim_start_matches('#')
        .to_lowercase();
    let names = read(&app, &caller, move |conn, scope| {
        posts::access::tags_with_prefix(conn, scope, &prefix, limit)
    })
    .await?;
    let items = names.into_iter().map(|name| TagName { name }).collect();
    Ok(HttpResponse::Ok().json(Page::<TagName> {
        items,
        next_cursor: None,
    }))
}

/// A tag page's header.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TagView {
    pub name: String,
    pub followed_by_me: bool,
}

#[utoipa::path(get, path = "/api/v1/tags/{name}", tag = "tags", params(("name" = String, Path)),
    responses((status = 200, body = TagView), (status = 422, body = Problem)))]
/// A tag, and whether the viewer follows it.
pub async fn show_tag(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = name.into_inner();
    let view = read(&app, &caller, move |conn, scope| {
        let me = scope.viewer().require_user()?.id;
        let name = tags::actions::normalize(&raw)?;
        let followed_by_me = match tags::system::id_of(conn, &name)? {
            Some(tag) => follows::follows_tag(conn, me, tag)?,
            None => false,
        };
        Ok(TagView {
            name,
            followed_by_me,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(put, path = "/api/v1/follows/users/{id}", tag = "follows", params(("id" = String, Path)),
    responses((status = 204, description = "following"), (status = 404, body = Problem),
              (status = 409, description = "oneself, or already following the most people allowed", body = Problem)))]
/// Follows a person.
pub async fn follow_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    set_user_follow(app, caller, id, true).await
}

#[utoipa::path(delete, path = "/api/v1/follows/users/{id}", tag = "follows", params(("id" = String, Path)),
    responses((status = 204, description = "not following"), (status = 404, body = Problem),
              (status = 409, description = "one never stops following oneself", body = Problem)))]
/// Stops following a person.
pub async fn unfollow_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    set_user_follow(app, caller, id, false).await
}

#[utoipa::path(put, path = "/api/v1/follows/tags/{name}", tag = "follows", params(("name" = String, Path)),
    responses((status = 204, description = "following"), (status = 422, body = Problem),
              (status = 409, description = "already following the most tags allowed", body = Problem)))]
/// Follows a tag.
pub async fn follow_tag(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_tag_follow(app, caller, name, true).await
}

#[utoipa::path(delete, path = "/api/v1/follows/tags/{name}", tag = "follows", params(("name" = String, Path)),
    responses((status = 204, description = "not following"), (status = 422, body = Problem)))]
/// Stops following a tag.
pub async fn unfollow_tag(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_tag_follow(app, caller, name, false).await
}

async fn set_user_follow(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    follow: bool,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    write(&app, &caller, move |conn, scope| {
        follows::set_user_follow(conn, scope, id, follow)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn set_tag_follow(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
    follow: bool,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    write(&app, &caller, move |conn, scope| {
        follows::set_tag_follow(conn, scope, &name, follow)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

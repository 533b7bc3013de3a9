//! Tags: what is trending in what the viewer may read, a tag's page with its posts, and
//! following it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, FeedQuery, ToggleForm};
use super::view::{FeedControls, FeedList, Times as _, feed_list};
use super::{Layout, Section, render};
use crate::App;
use crate::error::Error;
use crate::feeds::Feed;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::{follows, tags};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tags", web::get().to(index))
        .route("/tags/{name}", web::get().to(show))
        .route("/tags/{name}/follow", web::post().to(follow));
}

#[derive(Template)]
#[template(path = "pages/tags/index.html")]
struct IndexPage {
    layout: Layout,
    trending: Vec<(String, i64)>,
}

/// Tags most used this week, as the `/tags` page lists them.
const TRENDING: i64 = 30;

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Tags", Section::None)?;
    let trending = app.trending.clone();
    let trending = read(&app, &caller, move |conn, scope| {
        trending.tags(conn, scope, TRENDING)
    })
    .await?;
    render(StatusCode::OK, &IndexPage { layout, trending })
}

#[derive(Template)]
#[template(path = "pages/tags/show.html")]
struct ShowPage {
    layout: Layout,
    name: String,
    followed: bool,
    /// Where the follow button posts.
    action: String,
    feed: FeedList,
    back: String,
    empty: &'static str,
    /// Which of its posts, in what order.
    controls: FeedControls,
    /// The posts linking to the tag's page that the viewer may read.
    linked_from: Vec<crate::posts::PostView>,
}

/// `raw` as a tag name; a name that cannot be a tag is a page that does not exist.
fn tag_name(raw: &str) -> Result<String, PageError> {
    tags::actions::normalize(raw).map_err(|_| PageError(Error::not_found("tag")))
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    name: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, PageError> {
    let name = tag_name(&name)?;
    let query = query.into_inner();
    let listing = query.listing()?;
    let mut layout = Layout::signed_in(&req, &caller, &format!("#{name}"), Section::None)?;
    layout.atom = Some(format!("/tags/{name}.atom"));
    let me = caller.user()?.id;
    let tag = name.clone();
    let first_page = query.cursor.is_none();
    let (followed, linked_from) = read(&app, &caller, move |conn, scope| {
        let followed = match tags::system::id_of(conn, &tag)? {
            Some(id) => follows::follows_tag(conn, me, id)?,
            None => false,
        };
        let linked_from = match first_page {
            true => crate::links::backlinks::views(conn, scope, &format!("tag:{tag}"), None)?,
            false => Vec::new(),
        };
        Ok((followed, linked_from))
    })
    .await?;
    let back = format!("/tags/{name}");
    let controls = FeedControls {
        path: back.clone(),
        listing,
    };
    let here = controls.current();
    let feed = feed_list(
        &app,
        &caller,
        Feed::Tag(name.clone(), listing),
        query.cursor,
        &here,
    )
    .await?;
    let page = ShowPage {
        layout,
        action: format!("{back}/follow"),
        name,
        followed,
        feed,
        back,
        empty: "No posts you can see carry this tag yet.",
        controls,
        linked_from,
    };
    render(StatusCode::OK, &page)
}

async fn follow(
    app: web::Data<App>,
    caller: Caller,
    name: web::Path<String>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let name = tag_name(&name)?;
    let back = format!("/tags/{name}");
    form::toggle(&app, &caller, &form, &back, move |conn, scope, on| {
        follows::set_tag_follow(conn, scope, &name, on).map(|_| ())
    })
    .await
}

//! The home and company feeds with the composer, and publishing from it. A refused post is
//! shown again on a page of its own, with the message and the body as typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CursorQuery, FeedQuery};
use super::view::{Composer, FeedControls, FeedList, Times as _, feed_list};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::feeds::{self, Feed};
use crate::http::api::{blocking, read};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::http::uploads::composed;
use crate::ids::PostId;
use crate::posts::actions::{self, NewPost};
use crate::posts::announcements::{self, Board, NewAnnouncement};
use crate::posts::listing::Listing;
use crate::posts::polls::{NewPoll, ResultsAfter};
use crate::posts::views::post_view;
use crate::recommendations::{Limits, Recommendations};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/company", web::get().to(company))
        .route("/posts/new", web::get().to(compose))
        .route("/posts", web::post().to(create_post));
}

#[derive(Template)]
#[template(path = "pages/home/index.html")]
struct FeedPage {
    layout: Layout,
    heading: &'static str,
    /// "Welcome" on the home feed; empty elsewhere.
    greeting: &'static str,
    composer: Composer,
    feed: FeedList,
    empty: &'static str,
    /// An admin looking at an instance without a single post is told about `agora demo`.
    suggest_demo: bool,
    back: &'static str,
    /// The side rail's tags most used this week in what the reader may read, with counts;
    /// `None` on later pages, which have no rail.
    trending: Option<Vec<(String, i64)>>,
    /// The side rail's suggestions, each with why: on the home feed's first page only.
    recommendations: Option<Recommendations>,
    /// On the company feed: which posts, in what order.
    controls: Option<FeedControls>,
    /// Announcements pinned atop it.
    pinned: Vec<crate::posts::PostView>,
}

#[derive(Template)]
#[template(path = "pages/home/compose.html")]
struct ComposePage {
    layout: Layout,
    composer: Composer,
}

/// The composer's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PostForm {
    csrf: String,
    body: String,
    /// Empty: the company feed.
    group_id: String,
    back: String,
    /// Checkboxes: present ("on") when ticked.
    employees_only: Option<String>,
    quiet: Option<String>,
    question: Option<String>,
    /// A poll's options, one per line; none: no poll.
    poll_options: String,
    poll_multiple: Option<String>,
    poll_anonymous: Option<String>,
    /// `close`: results once closed; else after voting.
    poll_results: String,
    /// Hours until it closes; empty: open.
    poll_closes_in: String,
    /// `announce` or `must_read`: make it an announcement; empty: an ordinary post.
    announce: String,
    /// The post shared, if any.
    shared_post_id: String,
}

/// `/posts/new?share=ID`: write a post that shares post ID.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ComposeQuery {
    share: Option<PostId>,
}

impl PostForm {
    /// The announcement the composer asks for, if any.
    fn announcement(&self) -> Option<NewAnnouncement> {
        match self.announce.as_str() {
            "announce" => Some(NewAnnouncement::default()),
            "must_read" => Some(NewAnnouncement {
                must_read: true,
                ends_at: None,
            }),
            _ => None,
        }
    }

    /// The poll the composer describes, if its options are filled in.
    fn poll(&self) -> crate::error::Result<Option<NewPoll>> {
        if self.poll_options.trim().is_empty() {
            return Ok(None);
        }
        let closes_at = match self.poll_closes_in.as_str() {
            "" => None,
            hours => {
                let hours: i64 = hours.parse().map_err(|_| {
                    crate::error::invalid("poll.closes_at", "choose when it closes")
                })?;
                Some(chrono::Utc::now() + chrono::Duration::hours(hours))
            }
        };
        Ok(Some(NewPoll {
            options: self
                .poll_options
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            multiple: self.poll_multiple.is_some(),
            anonymous: self.poll_anonymous.is_some(),
            results: match self.poll_results.as_str() {
                "close" => ResultsAfter::Close,
                _ => ResultsAfter::Vote,
            },
            closes_at,
        }))
    }
}

/// Trending tags on a feed's side rail.
const RAIL_TAGS: i64 = 8;

async fn home(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    if caller.user.is_none() {
        let setup_open = blocking(move || app.db.read(crate::accounts::system::setup_open)).await?;
        return Ok(see_other(if setup_open { "/setup" } else { "/sign-in" }));
    }
    let cursor = query.into_inner().cursor;
    feed_page(app, req, caller, Section::Home, Listing::default(), cursor).await
}

async fn company(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let listing = query.listing()?;
    feed_page(app, req, caller, Section::Company, listing, query.cursor).await
}

async fn feed_page(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    section: Section,
    listing: Listing,
    cursor: Option<String>,
) -> Result<HttpResponse, PageError> {
    let (heading, greeting, feed, path, empty, atom_path) = match section {
        Section::Company => (
            "Company",
            "",
            Feed::Company(listing),
            "/company",
            "No posts here yet. Company posts and public groups show up here.",
            "/feeds/company.atom",
        ),
        _ => (
            "Home",
            "Welcome",
            Feed::Home,
            "/",
            "No posts yet — follow #tags or join groups to fill your feed.",
            "/feeds/home.atom",
        ),
    };
    let mut layout = Layout::signed_in(&req, &caller, heading, section)?;
    layout.atom = Some(atom_path.to_string());
    let first_page = cursor.is_none();
    let controls = matches!(feed, Feed::Company(_)).then(|| FeedControls {
        path: path.to_string(),
        listing,
    });
    let here = controls
        .as_ref()
        .map_or_else(|| path.to_string(), FeedControls::current);
    let feed = feed_list(&app, &caller, feed, cursor, &here).await?;
    let selected = String::new();
    let board = match section {
        Section::Company => Board::Company,
        _ => Board::Home,
    };
    let suggest = first_page && section == Section::Home && app.config.recommendations.rail;
    let rail = app.rail_cache.clone();
    let trending = app.trending.clone();
    let (mut composer, trending, pinned, recommendations) =
        read(&app, &caller, move |conn, scope| {
            let composer = Composer::load(conn, scope, &selected)?;
            // Announcements are pinned on the first page only.
            let pinned = match first_page {
                true => {
                    let posts = announcements::pinned(conn, scope, board)?;
                    crate::posts::views::post_views(conn, scope, &posts)?
                }
                false => Vec::new(),
            };
            // Only the first page has the rail: "Load more" does not ask for it again.
            let trending_tags = match first_page {
                true => Some(trending.tags(conn, scope, RAIL_TAGS)?),
                false => None,
            };
            // In the same unit of work as the rest of the page: kept for a few minutes, less
            // what she did since.
            let recommendations = match suggest {
                true => Some(rail.recommend(conn, scope, &trending, Limits::RAIL)?),
                false => None,
            };
            Ok((composer, trending_tags, pinned, recommendations))
        })
        .await?;
    composer.back = path.to_string();
    let suggest_demo = first_page
        && feed.posts.is_empty()
        && layout.is_admin()
        && instance_is_empty(&app, &caller).await?;
    let page = FeedPage {
        layout,
        heading,
        greeting,
        composer,
        feed,
        empty,
        suggest_demo,
        back: path,
        trending,
        recommendations,
        controls,
        pinned,
    };
    render(StatusCode::OK, &page)
}

/// True when an admin can read no post at all, which for an admin means there is none
/// outside private groups: a fresh instance.
async fn instance_is_empty(app: &web::Data<App>, caller: &Caller) -> Result<bool, PageError> {
    let page = read(app, caller, |conn, scope| {
        feeds::read(conn, scope, &Feed::Company(Listing::default()), None, 1)
    })
    .await?;
    Ok(page.items.is_empty())
}

async fn compose(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<ComposeQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Write a post", Section::None)?;
    let share = query.share;
    let mut composer = read(&app, &caller, move |conn, scope| {
        let mut composer = Composer::load(conn, scope, "")?;
        composer.shared = share.map(|id| post_view(conn, scope, id)).transpose()?;
        Ok(composer)
    })
    .await?;
    composer.back = "/".to_string();
    render(StatusCode::OK, &ComposePage { layout, composer })
}

async fn create_post(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, attachments) = composed::<PostForm>(&app, &req, &caller, payload).await?;
    let input = NewPost {
        body: form.body.clone(),
        group_id: (!form.group_id.is_empty()).then(|| form.group_id.clone()),
        quiet: form.quiet.is_some(),
        employees_only: form.employees_only.is_some(),
        question: form.question.is_some(),
        poll: form.poll()?,
        announcement: form.announcement(),
        attachments: attachments.clone(),
        shared_post_id: (!form.shared_post_id.is_empty()).then(|| form.shared_post_id.clone()),
    };
    let rules = app.config.link_rules();
    let outcome = form::submit(&app, &caller, &form.csrf, move |conn, scope| {
        actions::create_post(conn, scope, &rules, &input)
    })
    .await?;
    let refusal = match outcome {
        Ok(_) => return Ok(see_other(&form::local_path(&form.back, "/"))),
        Err(refusal) => refusal,
    };
    let selected = form.group_id.clone();
    let share = form.shared_post_id.parse::<PostId>().ok();
    let mut composer = read(&app, &caller, move |conn, scope| {
        let mut composer = Composer::load(conn, scope, &selected)?;
        // A post no longer readable is simply not offered again.
        composer.shared = share.and_then(|id| post_view(conn, scope, id).ok());
        Ok(composer)
    })
    .await?;
    composer.body = form.body;
    composer.poll_options = form.poll_options;
    composer.attachments = attachments;
    composer.back = form.back;
    composer.errors = refusal.errors;
    let layout = Layout::signed_in(&req, &caller, "Write a post", Section::None)?;
    render(refusal.status, &ComposePage { layout, composer })
}

//! The group directory with its "create group" form, and a group's page: about, feed,
//! members, and joining, asking to join or leaving. What a group's owners and admins do to it
//! lives in `group_admin`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, CsrfForm, FieldErrors, PAGE_SIZE};
use super::group_admin::{self, Manage};
use super::view::{Composer, FeedControls, FeedList, Times as _, feed_list};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::error::{Error, Result};
use crate::feeds::Feed;
use crate::groups::actions::{self, Joined, NewGroup};
use crate::groups::{GroupView, MemberView, Visibility, access};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::GroupId;
use crate::posts::announcements::{self, Board};
use crate::posts::listing::{Listing, Show};

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups", web::get().to(index))
        .route("/groups", web::post().to(create))
        .route("/groups/{id}", web::get().to(show))
        .route("/groups/{id}/join", web::post().to(join))
        .route("/groups/{id}/leave", web::post().to(leave));
}

#[derive(Template)]
#[template(path = "pages/groups/index.html")]
struct IndexPage {
    layout: Layout,
    /// What the directory's search box holds.
    q: String,
    groups: Vec<GroupView>,
    more: Option<String>,
    form: GroupForm,
    errors: FieldErrors,
}

/// The "create group" form, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GroupForm {
    csrf: String,
    name: String,
    description: String,
    visibility: String,
    /// A checkbox: present when ticked.
    allow_guests: Option<String>,
}

/// A group's page.
#[derive(Template)]
#[template(path = "pages/groups/show.html")]
pub(super) struct ShowPage {
    pub layout: Layout,
    pub group: GroupView,
    /// Its feed, when the viewer may read it (members; everyone for public groups).
    pub feed: Option<FeedList>,
    pub members: Vec<MemberView>,
    /// The link to the next members, when there are more.
    pub more_members: Option<String>,
    pub composer: Option<Composer>,
    /// For its owners and admins.
    pub manage: Option<Manage>,
    pub notice: &'static str,
    pub errors: FieldErrors,
    pub back: String,
    pub empty: &'static str,
    pub controls: FeedControls,
    /// The posts linking to the group's page that the viewer may read.
    pub linked_from: Vec<crate::posts::PostView>,
    /// Its announcements, pinned atop its feed.
    pub pinned: Vec<crate::posts::PostView>,
}

/// `?requested=1` after asking to join, `?cursor=` for older posts, `?members=` for more
/// members.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ShowQuery {
    cursor: Option<String>,
    members: Option<String>,
    requested: Option<String>,
    show: Option<String>,
    sort: Option<String>,
    window: Option<String>,
}

/// Members shown at a time on a group page.
const MEMBERS_PAGE: i64 = 50;

/// Members shown on a group page, and the cursor of the next ones.
type MemberPage = (Vec<MemberView>, Option<String>);

/// A visibility chosen in a form; anything else is a field error.
pub(super) fn parse_visibility(raw: &str) -> Result<Visibility> {
    match raw {
        "public" => Ok(Visibility::Public),
        "private" => Ok(Visibility::Private),
        "secret" => Ok(Visibility::Secret),
        _ => Err(crate::error::invalid(
            "visibility",
            "choose public, private or secret",
        )),
    }
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, PageError> {
    let form = GroupForm {
        visibility: "public".into(),
        ..GroupForm::default()
    };
    let DirectoryQuery { q, cursor } = query.into_inner();
    directory(&app, &req, &caller, q, cursor, form, None).await
}

/// `?q=…&cursor=…` of the directory.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DirectoryQuery {
    q: String,
    cursor: Option<String>,
}

async fn directory(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    q: String,
    cursor: Option<String>,
    form: GroupForm,
    refusal: Option<form::Refused>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(req, caller, "Groups", Section::Groups)?;
    let asked = q.clone();
    let (groups, next) = read(app, caller, move |conn, scope| {
        access::directory(conn, scope, Some(&asked), cursor.as_deref(), PAGE_SIZE)
    })
    .await?;
    let listed = match q.trim() {
        "" => "/groups".to_string(),
        q => format!(
            "/groups?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        ),
    };
    let (status, errors) = match refusal {
        Some(r) => (r.status, r.errors),
        None => (StatusCode::OK, FieldErrors::default()),
    };
    let page = IndexPage {
        layout,
        groups,
        more: form::more_link(&listed, next.as_deref()),
        q,
        form,
        errors,
    };
    render(status, &page)
}

async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (name, description) = (form.name.clone(), form.description.clone());
    let (visibility, allow_guests) = (form.visibility.clone(), form.allow_guests.is_some());
    let outcome = form::submit(&app, &caller, &form.csrf, move |conn, scope| {
        let input = NewGroup {
            name,
            description,
            visibility: parse_visibility(&visibility)?,
            allow_guests,
            broadcast: false,
            members_comment: true,
        };
        actions::create_group(conn, scope, &input)
    })
    .await?;
    match outcome {
        Ok(group) => Ok(see_other(&format!("/groups/{}", group.id))),
        Err(refusal) => {
            directory(
                &app,
                &req,
                &caller,
                String::new(),
                None,
                form,
                Some(refusal),
            )
            .await
        }
    }
}

/// Group `id` as the viewer sees it, with a page of its members (after `members_cursor`)
/// when they may read it.
async fn load_group(
    app: &web::Data<App>,
    caller: &Caller,
    id: GroupId,
    members_cursor: Option<String>,
) -> Result<(GroupView, MemberPage, bool, Option<Composer>)> {
    read(app, caller, move |conn, scope| {
        let group = access::visible_group(conn, scope, id)?;
        let readable = scope.reads_posts_in(Some(group.id));
        let members = if readable {
            access::members(conn, scope, id, members_cursor.as_deref(), MEMBERS_PAGE)?
        } else {
            (Vec::new(), None)
        };
        let composer = Composer::load(conn, scope, &id.to_string())?;
        let composer = scope.posts_in(Some(&group)).then_some(composer);
        let view = access::views(conn, scope, &[group])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("group"))?;
        Ok((view, members, readable, composer))
    })
    .await
}

/// The page of group `id`, its feed from `cursor` and its members from `members_cursor`.
pub(super) async fn group_page(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: GroupId,
    listing: Listing,
    cursor: Option<String>,
    members_cursor: Option<String>,
) -> Result<ShowPage, PageError> {
    let (group, (members, next_members), readable, composer) =
        load_group(app, caller, id, members_cursor).await?;
    let mut layout = Layout::signed_in(req, caller, &group.name, Section::Groups)?;
    layout.atom = readable.then(|| format!("/groups/{id}.atom"));
    let back = format!("/groups/{id}");
    let controls = FeedControls {
        path: back.clone(),
        listing,
    };
    let first_page = cursor.is_none();
    let feed = match readable {
        true => {
            let here = controls.current();
            Some(feed_list(app, caller, Feed::Group(id, listing), cursor, &here).await?)
        }
        false => None,
    };
    let pinned = match readable && first_page {
        true => {
            read(app, caller, move |conn, scope| {
                let posts = announcements::pinned(conn, scope, Board::Group(id))?;
                crate::posts::views::post_views(conn, scope, &posts)
            })
            .await?
        }
        false => Vec::new(),
    };
    let linked_from = match first_page {
        true => {
            read(app, caller, move |conn, scope| {
                crate::links::backlinks::views(conn, scope, &format!("group:{id}"), None)
            })
            .await?
        }
        false => Vec::new(),
    };
    let manage = match group.my_role.is_some_and(|r| r.manages()) {
        true => Some(group_admin::load(app, caller, &group).await?),
        false => None,
    };
    let composer = composer.map(|c| Composer {
        back: back.clone(),
        ..c
    });
    Ok(ShowPage {
        layout,
        feed,
        members,
        more_members: next_members.map(|c| format!("/groups/{id}?members={c}#members")),
        composer,
        manage,
        notice: "",
        errors: FieldErrors::default(),
        back,
        empty: match listing.show {
            Show::All => "No posts in this group yet.",
            Show::Questions => "No questions in this group yet.",
            Show::Unanswered => "Every question here has its best answer.",
        },
        controls,
        pinned,
        linked_from,
        group,
    })
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let listing = form::listing(&query.show, &query.sort, &query.window)?;
    let mut page = group_page(
        &app,
        &req,
        &caller,
        id,
        listing,
        query.cursor,
        query.members,
    )
    .await?;
    if query.requested.is_some() && page.group.my_role.is_none() {
        page.notice = "You asked to join. A group admin will let you in.";
    }
    render(StatusCode::OK, &page)
}

async fn join(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let joined = write(&app, &caller, move |conn, scope| {
        actions::join_group(conn, scope, id)
    })
    .await?;
    Ok(see_other(&match joined {
        Joined::Member => format!("/groups/{id}"),
        Joined::Requested => format!("/groups/{id}?requested=1"),
    }))
}

async fn leave(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let me = caller.user()?.id;
    let origin = caller.origin.clone();
    let result = write(&app, &caller, move |conn, scope| {
        actions::remove_member(conn, scope, id, me, &origin)
    })
    .await;
    match result {
        // The group may be secret: once out, its page is gone for the viewer.
        Ok(()) => Ok(see_other("/groups")),
        Err(error) => group_admin::after_change(&app, &req, &caller, id, Err::<(), _>(error)).await,
    }
}

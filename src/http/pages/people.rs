//! People: the directory of those the viewer may see (by name, by department), a person's
//! profile with the posts the viewer may read, and following them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, CursorQuery, ToggleForm};
use super::view::{FeedList, Times as _, feed_list};
use super::{Layout, Section, render};
use crate::App;
use crate::accounts::{UserView, access};
use crate::feeds::Feed;
use crate::follows;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::UserId;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/people", web::get().to(index))
        .route("/people/{id}", web::get().to(show))
        .route("/people/{id}/follow", web::post().to(follow));
}

#[derive(Template)]
#[template(path = "pages/people/index.html")]
struct IndexPage {
    layout: Layout,
    q: String,
    department: String,
    /// The departments of the people the viewer may see.
    departments: Vec<String>,
    people: Vec<UserView>,
    more: Option<String>,
}

/// `?q=…&department=…&cursor=…` of the directory.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DirectoryQuery {
    q: String,
    department: String,
    cursor: Option<String>,
}

async fn index(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "People", Section::People)?;
    let DirectoryQuery {
        q,
        department,
        cursor,
    } = query.into_inner();
    let (asked, within) = (q.clone(), department.clone());
    let ((people, next), departments) = read(&app, &caller, move |conn, scope| {
        let lookup = access::Lookup {
            q: Some(&asked),
            department: Some(&within),
        };
        let page = access::directory(conn, scope, lookup, cursor.as_deref(), form::PAGE_SIZE)?;
        Ok((page, access::departments(conn, scope)?))
    })
    .await?;
    let listed: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &q)
        .append_pair("department", &department)
        .finish();
    let page = IndexPage {
        layout,
        people: people
            .iter()
            .map(|u| UserView::of(u, &caller.viewer))
            .collect(),
        more: form::more_link(&format!("/people?{listed}"), next.as_deref()),
        q,
        department,
        departments,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "pages/people/show.html")]
struct ShowPage {
    layout: Layout,
    person: UserView,
    /// Whom she reports to, and who reports to her (not shown to guests).
    manager: Option<UserView>,
    reports: Vec<UserView>,
    /// False on one's own profile: you always see your own posts.
    can_follow: bool,
    followed: bool,
    /// Where the follow button posts.
    action: String,
    feed: FeedList,
    back: String,
    empty: &'static str,
}

async fn show(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
    query: web::Query<CursorQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let me = caller.user()?.id;
    let (user, followed, (manager, reports)) = read(&app, &caller, move |conn, scope| {
        let user = access::visible_user(conn, scope, id)?;
        let followed = follows::follows_user(conn, me, user.id)?;
        let org = access::org_of(conn, scope, &user)?;
        Ok((user, followed, org))
    })
    .await?;
    let card = |u: &crate::accounts::User| UserView::of(u, &caller.viewer);
    let (manager, reports) = (
        manager.as_ref().map(card),
        reports.iter().map(card).collect(),
    );
    let person = UserView::of(&user, &caller.viewer);
    let mut layout = Layout::signed_in(&req, &caller, &person.name, Section::None)?;
    layout.atom = Some(format!("/people/{}.atom", person.id));
    let back = format!("/people/{id}");
    let cursor = query.into_inner().cursor;
    let feed = feed_list(&app, &caller, Feed::Person(id), cursor, &back).await?;
    let page = ShowPage {
        layout,
        can_follow: me != id,
        person,
        manager,
        reports,
        followed,
        action: format!("{back}/follow"),
        feed,
        back,
        empty: "No posts you can see yet.",
    };
    render(StatusCode::OK, &page)
}

async fn follow(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    form::toggle(
        &app,
        &caller,
        &form,
        &format!("/people/{id}"),
        move |conn, scope, on| follows::set_user_follow(conn, scope, id, on),
    )
    .await
}

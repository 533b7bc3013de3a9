//! A person's profile: who they are, their posts the viewer may read, and following them.

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
    cfg.route("/people/{id}", web::get().to(show))
        .route("/people/{id}/follow", web::post().to(follow));
}

#[derive(Template)]
#[template(path = "pages/people/show.html")]
struct ShowPage {
    layout: Layout,
    person: UserView,
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
    let (user, followed) = read(&app, &caller, move |conn, scope| {
        let user = access::visible_user(conn, scope, id)?;
        let followed = follows::follows_user(conn, me, user.id)?;
        Ok((user, followed))
    })
    .await?;
    let person = UserView::of(&user, &caller.viewer);
    let mut layout = Layout::signed_in(&req, &caller, &person.name, Section::None)?;
    layout.atom = Some(format!("/people/{}.atom", person.id));
    let back = format!("/people/{id}");
    let cursor = query.into_inner().cursor;
    let feed = feed_list(&app, &caller, Feed::Person(id), cursor, &back).await?;
    let page = ShowPage {
        layout,
        can_follow: me != id.0,
        person,
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

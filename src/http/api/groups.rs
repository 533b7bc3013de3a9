//! Groups: directory, creation, settings, joining, members and join requests.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{DirectoryQuery, Page, PageQuery, read, write};
use crate::App;
use crate::accounts::UserView;
use crate::groups::actions::{self, GroupChanges, Joined, NewGroup};
use crate::groups::{GroupView, MemberView, Role, access};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::{GroupId, UserId};

async fn group_view(
    app: &web::Data<App>,
    caller: &Caller,
    id: GroupId,
) -> Result<GroupView, ApiError> {
    Ok(read(app, caller, move |conn, scope| {
        let group = access::visible_group(conn, scope, id)?;
        Ok(access::views(conn, scope, &[group])?.remove(0))
    })
    .await?)
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = NewGroup,
    responses((status = 201, body = GroupView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
/// Creates a group; the creator is its owner (employees and admins).
pub async fn create_group(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let group = write(&app, &caller, move |conn, scope| {
        actions::create_group(conn, scope, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(group_view(&app, &caller, group.id).await?))
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(DirectoryQuery),
    responses((status = 200, body = Page<GroupView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
/// Groups the viewer can see, by name; with `q`, those whose name holds it.
pub async fn list_groups(
    app: web::Data<App>,
    caller: Caller,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = query.limit()?;
    let (items, next_cursor) = read(&app, &caller, move |conn, scope| {
        access::directory(
            conn,
            scope,
            query.q.as_deref(),
            query.cursor.as_deref(),
            limit,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = GroupView), (status = 404, body = Problem)))]
/// One group, with `member_count` and `my_role`.
pub async fn show_group(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(group_view(&app, &caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path)), request_body = GroupChanges,
    responses((status = 200, body = GroupView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "the new name is taken, or guests block the change", body = Problem)))]
/// Changes a group's settings, or archives it (its owners and admins).
pub async fn update_group(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    body: web::Json<GroupChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::update_group(conn, scope, id, &body, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(group_view(&app, &caller, id).await?))
}

/// The outcome of joining.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JoinOutcome {
    /// `member`: joined; `requested`: a group admin must approve.
    pub status: String,
    pub group: GroupView,
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/join", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = JoinOutcome), (status = 202, description = "asked to join a private group", body = JoinOutcome),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Joins a public group, or asks to join a private one (employees only).
pub async fn join_group(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let joined = write(&app, &caller, move |conn, scope| {
        actions::join_group(conn, scope, id)
    })
    .await?;
    let group = group_view(&app, &caller, id).await?;
    Ok(match joined {
        Joined::Member => HttpResponse::Ok().json(JoinOutcome {
            status: "member".into(),
            group,
        }),
        Joined::Requested => HttpResponse::Accepted().json(JoinOutcome {
            status: "requested".into(),
            group,
        }),
    })
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MemberView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
/// Members of a group the viewer may read, with their roles, in the order they joined.
pub async fn list_members(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = query.limit()?;
    let cursor = query.into_inner().cursor;
    let (items, next_cursor) = read(&app, &caller, move |conn, scope| {
        access::members(conn, scope, id, cursor.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// Whom to add, and as what.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub user_id: String,
    #[serde(default = "member")]
    pub role: Role,
}

fn member() -> Role {
    Role::Member
}

/// A membership.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub group_id: String,
    pub user_id: String,
    pub role: Role,
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = String, Path)), request_body = NewMember,
    responses((status = 200, body = Membership), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
/// Adds a member, approves a join request, or changes a role (the group's owners and admins).
pub async fn add_member(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let user_id = body
        .user_id
        .parse()
        .map_err(|_| ApiError(crate::error::invalid("user_id", "no such user")))?;
    let origin = caller.origin.clone();
    let role = write(&app, &caller, move |conn, scope| {
        actions::add_member(conn, scope, id, user_id, body.role, &origin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Membership {
        group_id: id.to_string(),
        user_id: user_id.to_string(),
        role,
    }))
}

#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{user_id}", tag = "groups",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "removed, or left"), (status = 403, body = Problem), (status = 409, body = Problem)))]
/// Removes a member, or leaves when it is the caller; the last owner cannot go.
pub async fn remove_member(
    app: web::Data<App>,
    caller: Caller,
    path: web::Path<(GroupId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    let origin = caller.origin.clone();
    write(&app, &caller, move |conn, scope| {
        actions::remove_member(conn, scope, id, user_id, &origin)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/groups/{id}/requests", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)))]
/// People asking to join (the group's owners and admins).
pub async fn list_requests(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<GroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = read(&app, &caller, move |conn, scope| {
        access::join_requests(conn, scope, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

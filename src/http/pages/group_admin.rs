//! What a group's owners and admins do on its page: change its settings or archive it,
//! approve join requests, add people by id or @handle, change roles, remove members. The
//! domain decides who may do what; a refusal is shown on the group page with its message.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::form::{self, CsrfForm, FieldErrors, refused};
use super::groups::{group_page, parse_visibility};
use super::{render, see_other};
use crate::App;
use crate::accounts::{self, UserView};
use crate::error::{Error, Result, invalid};
use crate::groups::actions::{self, GroupChanges};
use crate::groups::{GroupView, Role, access};
use crate::guests::{self, InvitationView};
use crate::http::api::{read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::{GroupId, InvitationId, UserId};
use crate::posts::listing::Listing;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups/{id}/settings", web::post().to(update_settings))
        .route("/groups/{id}/members", web::post().to(add_member))
        .route(
            "/groups/{id}/members/{user_id}/remove",
            web::post().to(remove_member),
        )
        .route("/groups/{id}/invitations", web::post().to(invite))
        .route(
            "/groups/{id}/invitations/{invitation}/{action}",
            web::post().to(change_invitation),
        );
}

/// The management part of a group's page.
#[derive(Debug)]
pub struct Manage {
    pub settings: SettingsForm,
    /// People asking to join.
    pub requests: Vec<UserView>,
    /// Guests invited and not yet in (groups that allow guests).
    pub invitations: Vec<InvitationView>,
    /// Only owners make owners.
    pub is_owner: bool,
    pub errors: FieldErrors,
}

/// The settings form, from the group or as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub csrf: String,
    pub name: String,
    pub description: String,
    pub visibility: String,
    /// Checkboxes: present when ticked.
    pub allow_guests: Option<String>,
    pub broadcast: Option<String>,
    pub members_comment: Option<String>,
    pub archived: Option<String>,
}

impl SettingsForm {
    fn of(group: &GroupView) -> SettingsForm {
        SettingsForm {
            csrf: String::new(),
            name: group.name.clone(),
            description: group.description.clone(),
            visibility: group.visibility.as_str().to_string(),
            allow_guests: group.allow_guests.then(String::new),
            broadcast: group.broadcast.then(String::new),
            members_comment: group.members_comment.then(String::new),
            archived: group.archived.then(String::new),
        }
    }

    fn changes(&self) -> Result<GroupChanges> {
        Ok(GroupChanges {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            visibility: Some(parse_visibility(&self.visibility)?),
            allow_guests: Some(self.allow_guests.is_some()),
            broadcast: Some(self.broadcast.is_some()),
            members_comment: Some(self.members_comment.is_some()),
            archived: Some(self.archived.is_some()),
        })
    }
}

/// Whom to add or change, and as what.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MemberForm {
    csrf: String,
    /// A user id, or a handle with or without `@`.
    user: String,
    role: String,
}

/// The management part for a group the viewer manages.
pub async fn load(app: &web::Data<App>, caller: &Caller, group: &GroupView) -> Result<Manage> {
    let id: GroupId = group.id.parse().map_err(|_| Error::not_found("group"))?;
    let allow_guests = group.allow_guests;
    let (requests, invitations) = read(app, caller, move |conn, scope| {
        let invitations = match allow_guests {
            true => guests::actions::pending(conn, scope, id)?,
            false => Vec::new(),
        };
        Ok((access::join_requests(conn, scope, id)?, invitations))
    })
    .await?;
    Ok(Manage {
        settings: SettingsForm::of(group),
        requests,
        invitations: invitations.iter().map(InvitationView::of).collect(),
        is_owner: group.my_role == Some(Role::Owner),
        errors: FieldErrors::default(),
    })
}

/// After a change to group `id`: back to its page, or the page again with the refusal.
pub async fn after_change<T>(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: GroupId,
    result: Result<T>,
) -> Result<HttpResponse, PageError> {
    let refusal = match result {
        Ok(_) => return Ok(see_other(&format!("/groups/{id}#members"))),
        Err(error) => refused(error)?,
    };
    let mut page = group_page(app, req, caller, id, Listing::default(), None, None).await?;
    page.errors = refusal.errors;
    render(refusal.status, &page)
}

async fn update_settings(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let changes = form.changes();
    let origin = caller.origin.clone();
    let outcome = form::submit(&app, &caller, &form.csrf, move |conn, scope| {
        actions::update_group(conn, scope, id, &changes?, &origin)
    })
    .await?;
    let refusal = match outcome {
        Ok(_) => return Ok(see_other(&format!("/groups/{id}"))),
        Err(refusal) => refusal,
    };
    let mut page = group_page(&app, &req, &caller, id, Listing::default(), None, None).await?;
    if let Some(manage) = page.manage.as_mut() {
        manage.settings = form;
        manage.errors = refusal.errors;
    }
    render(refusal.status, &page)
}

/// `raw` as a user id: digits are an id, anything else a handle of an active user.
fn resolve_user(conn: &mut crate::db::DbConnection, raw: &str) -> Result<UserId> {
    let raw = raw.trim();
    if let Ok(id) = raw.parse() {
        return Ok(id);
    }
    let handle = raw.trim_start_matches('@').to_lowercase();
    accounts::system::users_by_handle(conn, std::slice::from_ref(&handle))?
        .remove(&handle)
        .map(|u| u.id)
        .ok_or_else(|| invalid("user", "nobody has this id or handle"))
}

fn parse_role(raw: &str) -> Result<Role> {
    match raw {
        "member" | "" => Ok(Role::Member),
        "admin" => Ok(Role::Admin),
        "owner" => Ok(Role::Owner),
        _ => Err(invalid("role", "choose member, admin or owner")),
    }
}

async fn add_member(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let origin = caller.origin.clone();
    let result = write(&app, &caller, move |conn, scope| {
        let role = parse_role(&form.role)?;
        let user = resolve_user(conn, &form.user)?;
        actions::add_member(conn, scope, id, user, role, &origin)
    })
    .await;
    after_change(&app, &req, &caller, id, result).await
}

async fn remove_member(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(GroupId, UserId)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (id, user) = path.into_inner();
    let origin = caller.origin.clone();
    let result = write(&app, &caller, move |conn, scope| {
        actions::remove_member(conn, scope, id, user, &origin)
    })
    .await;
    after_change(&app, &req, &caller, id, result).await
}

/// Whom to invite as a guest.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InviteForm {
    csrf: String,
    email: String,
}

async fn invite(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<GroupId>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let input = guests::actions::NewInvitation {
        email: form.into_inner().email,
        name: None,
    };
    let state = app.clone();
    let origin = caller.origin.clone();
    let result = write(&app, &caller, move |conn, scope| {
        guests::actions::invite(
            conn,
            scope,
            &state.config,
            &state.signer,
            id,
            &input,
            &origin,
        )
    })
    .await;
    after_invitation_change(&app, &req, &caller, id, result).await
}

/// `POST /groups/{id}/invitations/{invitation}/resend` or `…/cancel`.
async fn change_invitation(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(GroupId, InvitationId, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let (id, invitation, action) = path.into_inner();
    let resend = match action.as_str() {
        "resend" => true,
        "cancel" => false,
        _ => return Err(Error::not_found("page").into()),
    };
    let state = app.clone();
    let origin = caller.origin.clone();
    let result = write(&app, &caller, move |conn, scope| match resend {
        true => guests::actions::resend(
            conn,
            scope,
            &state.config,
            &state.signer,
            invitation,
            &origin,
        )
        .map(drop),
        false => guests::actions::cancel(conn, scope, invitation, &origin),
    })
    .await;
    after_invitation_change(&app, &req, &caller, id, result).await
}

/// After an invitation changed: back to the invitations, or the page with the refusal.
async fn after_invitation_change<T>(
    app: &web::Data<App>,
    req: &HttpRequest,
    caller: &Caller,
    id: GroupId,
    result: Result<T>,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/groups/{id}#invitations"))),
        Err(error) => after_change(app, req, caller, id, Err::<(), _>(error)).await,
    }
}

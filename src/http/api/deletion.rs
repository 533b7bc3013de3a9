//! Deleting an account: one's own, or someone's by an admin.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::blocking;
use crate::App;
use crate::deletion::actions::{self, Rules};
use crate::deletion::{Confirmation, ContentChoice};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::Caller;
use crate::ids::UserId;

/// What deleting an account asks for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionRequest {
    /// `remove` or `anonymise` her posts and comments; may be left out when the company's
    /// policy (`accounts.deletion_policy`) decides.
    pub content: Option<ContentChoice>,
    /// The current password: required to delete one's own account, if one has a password.
    pub password: Option<String>,
    /// The account's email address, typed: required of an admin, and of someone deleting her
    /// own account who signs in only through the company's identity provider.
    pub confirm_email: Option<String>,
}

impl DeletionRequest {
    fn confirmation(&self) -> Confirmation {
        Confirmation {
            password: self.password.clone(),
            confirm_email: self.confirm_email.clone(),
        }
    }
}

/// What became of a deleted account's content.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountDeleted {
    pub content: ContentChoice,
}

#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = DeletionRequest,
    responses((status = 200, body = AccountDeleted), (status = 401, body = Problem),
              (status = 409, description = "the last admin", body = Problem),
              (status = 422, description = "no choice, or a wrong confirmation", body = Problem)))]
/// Deletes the caller's own account for good: her content removed or kept under "Former
/// member", her personal data, uploads and exports deleted, every credential ended.
pub async fn delete_me(
    app: web::Data<App>,
    caller: Caller,
    body: web::Json<DeletionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let content = blocking(move || {
        let rules = rules(&app);
        let confirmation = body.confirmation();
        app.db.write(|conn| {
            actions::delete_own_account(conn, rules, &viewer, body.content, &confirmation, &origin)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccountDeleted { content }))
}

#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body = DeletionRequest,
    responses((status = 200, body = AccountDeleted), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "the last admin", body = Problem),
              (status = 422, description = "no choice, or the address not typed", body = Problem)))]
/// Deletes someone's account for good (admins only), as she could herself.
pub async fn delete_user(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<UserId>,
    body: web::Json<DeletionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let content = blocking(move || {
        let rules = rules(&app);
        let confirmation = body.confirmation();
        app.db.write(|conn| {
            actions::delete_account_of(
                conn,
                rules,
                &viewer,
                id,
                body.content,
                &confirmation,
                &origin,
            )
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccountDeleted { content }))
}

/// The deletion rules of this installation: its policy and the key its pseudonyms use.
fn rules(app: &App) -> Rules<'_> {
    Rules {
        policy: app.config.accounts.deletion_policy,
        signer: &app.signer,
    }
}

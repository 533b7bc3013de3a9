//! Deleting an account in the browser: one's own at `/settings/delete`, and someone's by an
//! admin at `/admin/users/{id}/delete`. A form with the content choice (unless the company's
//! policy makes it) and a confirmation; works without JavaScript.

use actix_web::cookie::time;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, FieldErrors};
use super::{Layout, Section, cookie, render, see_other};
use crate::App;
use crate::accounts::access;
use crate::config::DeletionPolicy;
use crate::deletion::actions::{self, Rules};
use crate::deletion::{Confirmation, ContentChoice, choice};
use crate::http::api::{blocking, read};
use crate::http::error::PageError;
use crate::http::extract::{Caller, SESSION_COOKIE};
use crate::ids::UserId;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/delete", web::get().to(mine))
        .route("/settings/delete", web::post().to(delete_mine))
        .route("/account-deleted", web::get().to(deleted))
        .route("/admin/users/{id}/delete", web::get().to(theirs))
        .route("/admin/users/{id}/delete", web::post().to(delete_theirs));
}

#[derive(Template)]
#[template(path = "pages/settings/delete.html")]
struct DeletePage {
    layout: Layout,
    /// Whose account, on an admin's page; `None` for one's own.
    owner: Option<(UserId, String)>,
    /// Where the form goes.
    action: String,
    /// Whether the password confirms (one's own, with a password), else the typed address.
    asks_password: bool,
    /// The content choice the company's policy makes, if it makes one.
    forced: Option<&'static str>,
    /// The choice of a refused try.
    chosen: String,
    errors: FieldErrors,
}

impl DeletePage {
    /// Whether the policy removes the content (the page says so instead of asking).
    fn forced_removal(&self) -> bool {
        self.forced == Some(ContentChoice::Remove.as_str())
    }
}

#[derive(Template)]
#[template(path = "pages/settings/deleted.html")]
struct DeletedPage {
    layout: Layout,
}

/// The form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteForm {
    csrf: String,
    content: String,
    password: String,
    confirm_email: String,
}

impl DeleteForm {
    fn confirmation(&self) -> Confirmation {
        Confirmation {
            password: Some(self.password.clone()),
            confirm_email: Some(self.confirm_email.clone()),
        }
    }
}

/// What the policy forces, as the form spells it.
fn forced(policy: DeletionPolicy) -> Option<&'static str> {
    match policy {
        DeletionPolicy::Choice => None,
        DeletionPolicy::Remove => Some(ContentChoice::Remove.as_str()),
        DeletionPolicy::Anonymise => Some(ContentChoice::Anonymise.as_str()),
    }
}

async fn mine(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Delete your account", Section::None)?;
    let asks_password = choice::has_password(caller.user()?);
    let page = DeletePage {
        layout,
        owner: None,
        action: "/settings/delete".into(),
        asks_password,
        forced: forced(app.config.accounts.deletion_policy),
        chosen: String::new(),
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

async fn theirs(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Delete an account", Section::None)?;
    let id = id.into_inner();
    let name = person_name(&app, &caller, id).await?;
    let page = DeletePage {
        layout,
        owner: Some((id, name)),
        action: format!("/admin/users/{id}/delete"),
        asks_password: false,
        forced: forced(app.config.accounts.deletion_policy),
        chosen: String::new(),
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

/// The name of the account an admin is about to delete; 404 for anyone else, and for an
/// account already deleted.
async fn person_name(
    app: &web::Data<App>,
    caller: &Caller,
    id: UserId,
) -> Result<String, PageError> {
    Ok(read(app, caller, move |conn, scope| {
        scope.viewer().require_admin()?;
        let user = access::visible_user(conn, scope, id)?;
        if user.is_deleted() {
            return Err(crate::error::Error::not_found("user"));
        }
        Ok(user.name)
    })
    .await?)
}

async fn delete_mine(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let form = form.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let asked = ContentChoice::parse(&form.content);
    let confirmation = form.confirmation();
    let app2 = app.clone();
    let outcome = blocking(move || {
        let rules = Rules {
            policy: app2.config.accounts.deletion_policy,
            signer: &app2.signer,
        };
        app2.db.write(|conn| {
            actions::delete_own_account(conn, rules, &viewer, asked, &confirmation, &origin)
        })
    })
    .await;
    match outcome {
        Ok(_) => {
            let mut response = see_other("/account-deleted");
            let _ = response.add_removal_cookie(&cookie(
                &app,
                SESSION_COOKIE,
                String::new(),
                time::Duration::ZERO,
            ));
            Ok(response)
        }
        Err(error) => {
            let refused = form::refused(error)?;
            let layout = Layout::signed_in(&req, &caller, "Delete your account", Section::None)?;
            let page = DeletePage {
                layout,
                owner: None,
                action: "/settings/delete".into(),
                asks_password: choice::has_password(caller.user()?),
                forced: forced(app.config.accounts.deletion_policy),
                chosen: form.content,
                errors: refused.errors,
            };
            render(refused.status, &page)
        }
    }
}

async fn delete_theirs(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let (viewer, origin) = (caller.viewer.clone(), caller.origin.clone());
    let asked = ContentChoice::parse(&form.content);
    let confirmation = form.confirmation();
    let app2 = app.clone();
    let outcome = blocking(move || {
        let rules = Rules {
            policy: app2.config.accounts.deletion_policy,
            signer: &app2.signer,
        };
        app2.db.write(|conn| {
            actions::delete_account_of(conn, rules, &viewer, id, asked, &confirmation, &origin)
        })
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other("/admin/users")),
        Err(error) => {
            let refused = form::refused(error)?;
            let name = person_name(&app, &caller, id).await?;
            let layout = Layout::signed_in(&req, &caller, "Delete an account", Section::None)?;
            let page = DeletePage {
                layout,
                owner: Some((id, name)),
                action: format!("/admin/users/{id}/delete"),
                asks_password: false,
                forced: forced(app.config.accounts.deletion_policy),
                chosen: form.content,
                errors: refused.errors,
            };
            render(refused.status, &page)
        }
    }
}

/// Where one lands after deleting her own account, signed out.
async fn deleted(req: HttpRequest) -> Result<HttpResponse, PageError> {
    let page = DeletedPage {
        layout: Layout::new(&req, "Account deleted", None, None),
    };
    render(StatusCode::OK, &page)
}

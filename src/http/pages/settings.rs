//! One's own profile and settings: name, title, department, bio, photo and the digest
//! frequency.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, FieldErrors, SavedQuery, refused};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::accounts::actions::{self, ProfileUpdate};
use crate::accounts::{User, access};
use crate::error::{Error, invalid};
use crate::http::api::{blocking, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::http::uploads::composed;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(edit))
        .route("/settings", web::post().to(update))
        .route("/settings/photo", web::post().to(set_photo))
        .route("/settings/photo/remove", web::post().to(remove_photo));
}

#[derive(Template)]
#[template(path = "pages/settings/edit.html")]
struct EditPage {
    layout: Layout,
    form: ProfileForm,
    errors: FieldErrors,
    saved: bool,
}

/// The profile form, from the account or as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProfileForm {
    csrf: String,
    name: String,
    title: String,
    department: String,
    bio: String,
    digest: String,
    location: String,
    phone: String,
    pronouns: String,
    time_zone: String,
}

impl ProfileForm {
    fn of(user: &User) -> ProfileForm {
        ProfileForm {
            csrf: String::new(),
            name: user.name.clone(),
            title: user.title.clone(),
            department: user.department.clone(),
            bio: user.bio.clone(),
            digest: user.digest.clone(),
            location: user.location.clone(),
            phone: user.phone.clone(),
            pronouns: user.pronouns.clone(),
            time_zone: user.time_zone.clone(),
        }
    }

    fn update(&self) -> ProfileUpdate {
        ProfileUpdate {
            name: Some(self.name.clone()),
            title: Some(self.title.clone()),
            department: Some(self.department.clone()),
            bio: Some(self.bio.clone()),
            digest: Some(self.digest.clone()),
            location: Some(self.location.clone()),
            phone: Some(self.phone.clone()),
            pronouns: Some(self.pronouns.clone()),
            time_zone: Some(self.time_zone.clone()),
            manager_id: None,
        }
    }
}

/// The photo form: the file comes in the body, after the token.
#[derive(Debug, Deserialize)]
struct PhotoForm {
    csrf: String,
}

/// A photo sent with the form becomes her profile photo.
async fn set_photo(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, files) = composed::<PhotoForm>(&app, &req, &caller, payload).await?;
    form::check(&caller, &form.csrf)?;
    let id = match files.as_slice() {
        [file] => file
            .id
            .parse()
            .map_err(|_| Error::internal("an upload without an id"))?,
        _ => return Err(invalid("files", "choose one image").into()),
    };
    write(&app, &caller, move |conn, scope| {
        crate::files::actions::set_photo(conn, scope, Some(id))
    })
    .await?;
    Ok(see_other("/settings?saved=1"))
}

/// Initials again.
async fn remove_photo(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<PhotoForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    write(&app, &caller, |conn, scope| {
        crate::files::actions::set_photo(conn, scope, None)
    })
    .await?;
    Ok(see_other("/settings?saved=1"))
}

async fn edit(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Settings", Section::None)?;
    let viewer = caller.viewer.clone();
    let user = blocking(move || app.db.read(|conn| access::current_user(conn, &viewer))).await?;
    let page = EditPage {
        layout,
        form: ProfileForm::of(&user),
        errors: FieldErrors::default(),
        saved: query.saved.is_some(),
    };
    render(StatusCode::OK, &page)
}

async fn update(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let form = form.into_inner();
    let (viewer, update) = (caller.viewer.clone(), form.update());
    let result = blocking(move || {
        app.db
            .write(|conn| actions::update_profile(conn, &viewer, &update))
    })
    .await;
    let refusal = match result {
        Ok(_) => return Ok(see_other("/settings?saved=1")),
        Err(error) => refused(error)?,
    };
    let page = EditPage {
        layout: Layout::signed_in(&req, &caller, "Settings", Section::None)?,
        form,
        errors: refusal.errors,
        saved: false,
    };
    render(refusal.status, &page)
}

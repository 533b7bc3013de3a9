//! One's own profile and settings: name, title, department, bio, photo and the digest
//! frequency; and "Your data": asking for an export of it, and downloading it (her alone).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::{self, FieldErrors, refused};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::accounts::actions::{self, ProfileUpdate};
use crate::accounts::{User, access};
use crate::clock;
use crate::error::{Error, ErrorKind, invalid};
use crate::exports::{self, ExportView};
use crate::http::api::{blocking, read, write};
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::http::uploads::composed;
use crate::ids::ExportId;

/// Registers the routes of this area.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(edit))
        .route("/settings", web::post().to(update))
        .route("/settings/photo", web::post().to(set_photo))
        .route("/settings/photo/remove", web::post().to(remove_photo))
        .route("/settings/export", web::post().to(request_export))
        .route("/exports/{id}/download", web::get().to(download_export));
}

#[derive(Template)]
#[template(path = "pages/settings/edit.html")]
struct EditPage {
    layout: Layout,
    form: ProfileForm,
    errors: FieldErrors,
    saved: bool,
    /// Her exports, newest first.
    exports: Vec<ExportView>,
    /// What became of asking for one just now.
    export_notice: &'static str,
    /// Days a ready export is kept.
    keep_days: i64,
}

impl EditPage {
    /// Whether one of her exports is still being made: the page keeps an eye on it.
    fn export_pending(&self) -> bool {
        self.exports.iter().any(ExportView::pending)
    }
}

/// `?saved=1` after saving; `?export=requested|limited` after asking for an export.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SettingsQuery {
    saved: Option<String>,
    export: String,
}

/// Exports shown on the page.
const EXPORTS_SHOWN: i64 = 5;

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
    query: web::Query<SettingsQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Settings", Section::None)?;
    let viewer = caller.viewer.clone();
    let db = app.db.clone();
    let user = blocking(move || db.read(|conn| access::current_user(conn, &viewer))).await?;
    let export_notice = match query.export.as_str() {
        "requested" => "Your export is being made. We will email you when it is ready.",
        "limited" => "You asked for several exports today, the most allowed: try again tomorrow.",
        _ => "",
    };
    let page = EditPage {
        layout,
        form: ProfileForm::of(&user),
        errors: FieldErrors::default(),
        saved: query.saved.is_some(),
        exports: export_views(&app, &caller).await?,
        export_notice,
        keep_days: app.config.exports.keep_days,
    };
    render(StatusCode::OK, &page)
}

/// Her exports as the page shows them; none for a credential that may not see them.
async fn export_views(app: &web::Data<App>, caller: &Caller) -> Result<Vec<ExportView>, Error> {
    let listed = read(app, caller, |conn, scope| {
        exports::access::own_exports(conn, scope, EXPORTS_SHOWN)
    })
    .await;
    let now = clock::now();
    match listed {
        Ok(exports) => Ok(exports.iter().map(|e| ExportView::of(e, now)).collect()),
        Err(error) if error.kind == ErrorKind::Forbidden => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

/// The export form: the button's token.
#[derive(Debug, Deserialize)]
struct ExportForm {
    csrf: String,
}

/// Asks for an export of her data; back to the page, which shows how it goes.
async fn request_export(
    app: web::Data<App>,
    caller: Caller,
    form: web::Form<ExportForm>,
) -> Result<HttpResponse, PageError> {
    form::check(&caller, &form.csrf)?;
    let settings = app.config.exports.clone();
    let now = clock::now();
    let origin = caller.origin.clone();
    let asked = write(&app, &caller, move |conn, scope| {
        exports::actions::request_export(conn, scope, &settings, now, &origin)
    })
    .await;
    match asked {
        Ok(_) => Ok(see_other("/settings?export=requested#your-data")),
        Err(error) if matches!(error.kind, ErrorKind::RateLimited { .. }) => {
            Ok(see_other("/settings?export=limited#your-data"))
        }
        Err(error) => Err(error.into()),
    }
}

/// `GET /exports/{id}/download`: the archive, to its owner's own session or token alone, while
/// it is ready; to anyone else, admins included, it does not exist.
async fn download_export(
    app: web::Data<App>,
    caller: Caller,
    id: web::Path<ExportId>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let now = clock::now();
    let export = read(&app, &caller, move |conn, scope| {
        exports::access::downloadable_export(conn, scope, id, now)
    })
    .await?;
    let key = export
        .storage_key
        .clone()
        .ok_or_else(|| Error::not_found("export"))?;
    let download = app.files.storage.get_object(&key).await?;
    let handle = caller.user()?.handle.clone();
    let name = format!(
        "agora-export-{}-{}.zip",
        exports::archive::safe_name(&handle),
        export
            .finished_at
            .unwrap_or(export.requested_at)
            .format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        // Sent as stored: a ZIP gains nothing from compressing again.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .no_chunking(download.size)
        .streaming(download.chunks))
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
    let db = app.db.clone();
    let result =
        blocking(move || db.write(|conn| actions::update_profile(conn, &viewer, &update))).await;
    let refusal = match result {
        Ok(_) => return Ok(see_other("/settings?saved=1")),
        Err(error) => refused(error)?,
    };
    let page = EditPage {
        layout: Layout::signed_in(&req, &caller, "Settings", Section::None)?,
        form,
        errors: refusal.errors,
        saved: false,
        exports: export_views(&app, &caller).await?,
        export_notice: "",
        keep_days: app.config.exports.keep_days,
    };
    render(refusal.status, &page)
}

//! `/settings/email`: the reader's own digest frequency, and how often each of their groups
//! emails them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::{self, FieldErrors, SavedQuery};
use super::{Layout, Section, render, see_other};
use crate::App;
use crate::accounts::access;
use crate::error::Error;
use crate::http::api::read;
use crate::http::error::PageError;
use crate::http::extract::Caller;
use crate::ids::GroupId;
use crate::signals::frequency::{self, EmailFrequency, GroupFrequency};

/// Registers the routes of this page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/email", web::get().to(edit))
        .route("/settings/email", web::post().to(update));
}

#[derive(Template)]
#[template(path = "pages/settings/email.html")]
struct EmailPage {
    layout: Layout,
    digest: String,
    digest_choices: [(&'static str, &'static str); 3],
    groups: Vec<GroupFrequency>,
    frequencies: [EmailFrequency; 5],
    errors: FieldErrors,
    saved: bool,
}

impl EmailPage {
    fn new(layout: Layout, digest: String, groups: Vec<GroupFrequency>) -> EmailPage {
        EmailPage {
            layout,
            digest,
            digest_choices: [("off", "Off"), ("daily", "Daily"), ("weekly", "Weekly")],
            groups,
            frequencies: EmailFrequency::ALL,
            errors: FieldErrors::default(),
            saved: false,
        }
    }
}

async fn edit(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let layout = Layout::signed_in(&req, &caller, "Email settings", Section::None)?;
    let (digest, groups) = read(&app, &caller, |conn, scope| {
        let me = access::current_user(conn, scope.viewer())?;
        Ok((me.digest, frequency::group_frequencies(conn, scope)?))
    })
    .await?;
    let mut page = EmailPage::new(layout, digest, groups);
    page.saved = query.saved.is_some();
    render(StatusCode::OK, &page)
}

/// The form as sent: `csrf`, `digest`, and `group-<id>` per group.
struct EmailForm {
    csrf: String,
    digest: String,
    groups: Vec<(GroupId, String)>,
}

impl EmailForm {
    fn parse(fields: &[(String, String)]) -> Result<EmailForm, Error> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut groups = Vec::new();
        for (key, value) in fields {
            if let Some(id) = key.strip_prefix("group-") {
                let id = id.parse().map_err(|_| Error::not_found("group"))?;
                groups.push((id, value.clone()));
            }
        }
        Ok(EmailForm {
            csrf: field("csrf"),
            digest: field("digest"),
            groups,
        })
    }
}

async fn update(
    app: web::Data<App>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let EmailForm {
        csrf,
        digest,
        groups: chosen,
    } = EmailForm::parse(&form)?;
    let (wanted, choices) = (digest.clone(), chosen.clone());
    let outcome = form::submit(&app, &caller, &csrf, move |conn, scope| {
        frequency::save_email_settings(conn, scope, &wanted, &choices)
    })
    .await?;
    let refusal = match outcome {
        Ok(()) => return Ok(see_other("/settings/email?saved=1")),
        Err(refusal) => refusal,
    };
    // Show the form again as it was sent, with the message.
    let mut groups = read(&app, &caller, |conn, scope| {
        frequency::group_frequencies(conn, scope)
    })
    .await?;
    for group in &mut groups {
        if let Some((_, raw)) = chosen.iter().find(|(id, _)| *id == group.id) {
            group.frequency = EmailFrequency::parse(raw).unwrap_or(group.frequency);
        }
    }
    let layout = Layout::signed_in(&req, &caller, "Email settings", Section::None)?;
    let mut page = EmailPage::new(layout, digest, groups);
    page.errors = refusal.errors;
    render(refusal.status, &page)
}

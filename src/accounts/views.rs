//! What handlers and templates get of a user.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{User, UserKind};
use crate::access::{Viewer, may_see_email};

/// A user as the API shows it. Ids are strings; the email only for the user and admins.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The name used in @mentions.
    pub handle: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub bio: String,
    pub pronouns: String,
    pub location: String,
    pub phone: String,
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
    /// Whom she reports to.
    pub manager_id: Option<String>,
    pub kind: UserKind,
    /// For guests, the domain of their email, shown wherever they appear.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_domain: Option<String>,
    /// `off`, `daily` or `weekly`; only for the user themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Set once an admin deactivated the account.
    pub deactivated: bool,
    pub created_at: DateTime<Utc>,
    /// Her profile photo (a square-ish thumbnail), shown instead of her initials; none in a
    /// byline of someone the viewer may not look up, whose photo she may not load either.
    pub photo_url: Option<String>,
}

impl UserView {
    /// `user` as `viewer` may see it. A guest sees of anyone else only the name and title
    /// (and a fellow guest's mark): the company's org data is not for customers.
    pub fn of(user: &User, viewer: &Viewer) -> UserView {
        let own = viewer.user_id() == Some(user.id);
        let org = own || !viewer.is_walled();
        let shown = |value: &String| if org { value.clone() } else { String::new() };
        UserView {
            id: user.id.to_string(),
            // A deleted account's placeholder address is nobody's: not shown even to admins.
            email: (may_see_email(viewer, user.id) && !user.is_deleted())
                .then(|| user.email.clone()),
            handle: user.handle.clone(),
            name: user.name.clone(),
            title: user.title.clone(),
            department: shown(&user.department),
            bio: shown(&user.bio),
            pronouns: shown(&user.pronouns),
            location: shown(&user.location),
            phone: shown(&user.phone),
            time_zone: shown(&user.time_zone),
            manager_id: user.manager_id.filter(|_| org).map(|id| id.to_string()),
            kind: user.kind(),
            guest_domain: user.guest_domain(),
            digest: own.then(|| user.digest.clone()),
            deactivated: !user.is_active(),
            created_at: user.created_at.and_utc(),
            photo_url: user
                .photo_id
                .map(|id| format!("{}?size=thumb", crate::files::views::file_url(id, "photo"))),
        }
    }

    /// `user` as a byline: who wrote something the viewer may read, without the profile
    /// (title, department, bio) of someone the directory does not show her.
    pub fn byline(user: &User, viewer: &Viewer) -> UserView {
        UserView {
            title: String::new(),
            department: String::new(),
            bio: String::new(),
            pronouns: String::new(),
            location: String::new(),
            phone: String::new(),
            time_zone: String::new(),
            manager_id: None,
            photo_url: None,
            ..UserView::of(user, viewer)
        }
    }

    /// Whether this is a bot: marked "Bot" wherever it appears.
    pub fn is_bot(&self) -> bool {
        self.kind == UserKind::Bot
    }

    /// Up to two initials for the generated avatar.
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase()
    }
}

//! Rows of `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::access::{Principal, Viewer};
use crate::db::schema::users;
use crate::ids::UserId;

/// What kind of account a user has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    Admin,
    Employee,
    Guest,
    /// An integration acting through admin-issued tokens or an incoming webhook: walled like
    /// a guest, never signs in, never counted as an employee or a guest.
    Bot,
}

impl UserKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Admin => "admin",
            UserKind::Employee => "employee",
            UserKind::Guest => "guest",
            UserKind::Bot => "bot",
        }
    }

    /// Reads the stored spelling; unknown values read as the least privileged kind.
    pub fn parse(stored: &str) -> UserKind {
        match stored {
            "admin" => UserKind::Admin,
            "employee" => UserKind::Employee,
            "bot" => UserKind::Bot,
            _ => UserKind::Guest,
        }
    }

    /// Guests and bots: they read only the groups they belong to, never the company feed,
    /// other groups or what is marked for employees only, and manage nothing.
    pub fn is_walled(self) -> bool {
        matches!(self, UserKind::Guest | UserKind::Bot)
    }

    /// The company's people: employees and admins (not guests, not bots).
    pub fn is_staff(self) -> bool {
        matches!(self, UserKind::Employee | UserKind::Admin)
    }
}

/// A user row.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub handle: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub bio: String,
    pub kind: String,
    pub password_hash: String,
    pub digest: String,
    pub created_at: NaiveDateTime,
    pub deactivated_at: Option<NaiveDateTime>,
    /// Whom she reports to.
    pub manager_id: Option<UserId>,
    pub location: String,
    pub phone: String,
    pub pronouns: String,
    /// An IANA time zone name such as `Europe/Berlin`, as she gave it.
    pub time_zone: String,
    /// Her profile photo: an attachment.
    pub photo_id: Option<crate::ids::FileId>,
    /// Set once the account was deleted: the row is a tombstone, its personal data wiped.
    pub deleted_at: Option<NaiveDateTime>,
}

impl User {
    /// The account kind.
    pub fn kind(&self) -> UserKind {
        UserKind::parse(&self.kind)
    }

    /// The user as the access policy sees them.
    pub fn viewer(&self) -> Viewer {
        Viewer::User(Principal::new(self.id, self.kind()))
    }

    /// False once deactivated.
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    /// True once the account was deleted (a tombstone).
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// For a guest, the domain of her email: shown beside her name wherever she appears, so
    /// nobody mistakes a customer for a colleague. None once deleted: the address is gone.
    pub fn guest_domain(&self) -> Option<String> {
        (self.kind() == UserKind::Guest && !self.is_deleted())
            .then(|| self.email.rsplit('@').next().unwrap_or("").to_string())
    }

    /// The name as a sentence names her: a guest's carries her mark, "Cara (guest,
    /// customer.example)".
    pub fn marked_name(&self) -> String {
        match self.guest_domain() {
            Some(domain) => format!("{} (guest, {domain})", self.name),
            None => self.name.clone(),
        }
    }
}

/// A user about to be inserted.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub handle: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub password_hash: &'a str,
    pub created_at: NaiveDateTime,
}

/// Profile fields a user may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub(crate) struct ProfileChanges<'a> {
    pub name: Option<&'a str>,
    pub title: Option<&'a str>,
    pub department: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub digest: Option<&'a str>,
    pub location: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub pronouns: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    /// `Some(None)` clears the manager.
    pub manager_id: Option<Option<UserId>>,
}

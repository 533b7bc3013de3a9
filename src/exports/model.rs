//! Rows of `user_exports`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::user_exports;
use crate::ids::{ExportId, UserId};

/// Where an export is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ExportState)]
pub enum State {
    /// Asked for; waiting for a builder.
    Requested,
    /// Being built (again from scratch if a builder died: see `build`).
    Building,
    /// Built: she can download it until it expires.
    Ready,
    /// Could not be built; she may ask again.
    Failed,
    /// Its time ran out and its file is deleted.
    Expired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Building => "building",
            State::Ready => "ready",
            State::Failed => "failed",
            State::Expired => "expired",
        }
    }

    pub fn parse(stored: &str) -> State {
        match stored {
            "requested" => State::Requested,
            "building" => State::Building,
            "ready" => State::Ready,
            "expired" => State::Expired,
            _ => State::Failed,
        }
    }

    /// Requested or building: at most one per person.
    pub fn in_progress(self) -> bool {
        matches!(self, State::Requested | State::Building)
    }
}

/// An export row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = user_exports)]
pub struct UserExport {
    pub id: ExportId,
    /// Whose data it holds: she alone may download it.
    pub user_id: UserId,
    pub state: String,
    pub requested_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    /// Until when its builder holds it; past it, another builder starts it again.
    pub lease_until: Option<NaiveDateTime>,
    /// Builds started; each claims the row with its own number.
    pub attempts: i32,
    pub finished_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub size: Option<i64>,
    pub storage_key: Option<String>,
    pub error: String,
}

impl UserExport {
    pub fn state(&self) -> State {
        State::parse(&self.state)
    }

    /// Whether it can be downloaded at `now`: ready and not past its time (the sweep deletes
    /// the file a little later; the download stops at once).
    pub fn downloadable(&self, now: NaiveDateTime) -> bool {
        self.state() == State::Ready
            && self.storage_key.is_some()
            && self.expires_at.is_some_and(|at| at > now)
    }
}

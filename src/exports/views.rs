//! Exports as the API and the settings page show them.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::model::{State, UserExport};

/// One of the caller's exports.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExportView {
    pub id: String,
    /// `requested` and `building` while it is made; `ready` to download; `failed` (ask again)
    /// or `expired` (its file is deleted) after.
    pub state: State,
    pub requested_at: DateTime<Utc>,
    /// When it was built (or failed).
    pub finished_at: Option<DateTime<Utc>>,
    /// Until when it can be downloaded.
    pub expires_at: Option<DateTime<Utc>>,
    /// The ZIP's size in bytes, once ready.
    pub size: Option<i64>,
    /// Where to download it while it is ready: only its owner's session or token may.
    pub download_url: Option<String>,
}

impl ExportView {
    pub fn of(export: &UserExport, now: NaiveDateTime) -> ExportView {
        let downloadable = export.downloadable(now);
        // Past its time it is expired, whether or not the sweep has come by yet.
        let state = match export.state() {
            State::Ready if !downloadable => State::Expired,
            state => state,
        };
        ExportView {
            id: export.id.to_string(),
            state,
            requested_at: export.requested_at.and_utc(),
            finished_at: export.finished_at.map(|t| t.and_utc()),
            expires_at: export.expires_at.map(|t| t.and_utc()),
            size: export.size.filter(|_| downloadable),
            download_url: downloadable.then(|| download_path(export)),
        }
    }

    /// Whether it is still being made: the settings page keeps an eye on it.
    pub fn pending(&self) -> bool {
        self.state.in_progress()
    }

    /// Its state for people.
    pub fn state_text(&self) -> &'static str {
        match self.state {
            State::Requested => "Waiting to be made",
            State::Building => "Being made",
            State::Ready => "Ready",
            State::Failed => "Could not be made",
            State::Expired => "Expired",
        }
    }

    /// The size for people: "12 KB", "3.4 MB".
    pub fn size_text(&self) -> String {
        let size = self.size.unwrap_or(0);
        match size {
            ..1_000 => format!("{size} bytes"),
            1_000..1_000_000 => format!("{:.0} KB", size as f64 / 1e3),
            _ => format!("{:.1} MB", size as f64 / 1e6),
        }
    }

    /// When it was asked for, for people.
    pub fn requested_text(&self) -> String {
        ExportView::when(&self.requested_at)
    }

    /// Until when it can be downloaded, for people.
    pub fn expires_text(&self) -> String {
        self.expires_at
            .as_ref()
            .map(ExportView::when)
            .unwrap_or_default()
    }

    /// A date for people: "2026-12-05 14:03 UTC".
    pub fn when(at: &DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// Where export `export` is downloaded, on this site.
pub fn download_path(export: &UserExport) -> String {
    format!("/exports/{}/download", export.id)
}

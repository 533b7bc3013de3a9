//! The one error type of the domain: a kind that decides the HTTP status, a stable snake_case
//! code, a message safe to show, and per-field messages for validation.

use std::collections::BTreeMap;
use std::time::Duration;

/// What went wrong, in the terms a caller can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    NotFound,
    Unauthenticated,
    Forbidden,
    Invalid,
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    RateLimited { retry_after: Duration },
    Unavailable,
    Internal,
}

/// Declares `ErrorCode` once: each variant with its stable wire string.
macro_rules! error_codes {
    ($($name:ident => $code:literal,)*) => {
        /// The stable snake_case code of an error: what a client matches on, never the
        /// message. The OpenAPI document lists every one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($name,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $code,)*
                }
            }
        }
    };
}

error_codes! {
    // Request and body
    BadForm => "bad_form",
    BadQuery => "bad_query",
    NulCharacter => "nul_character",
    BadCursor => "bad_cursor",
    BodyTooLarge => "body_too_large",
    FileTooLarge => "file_too_large",
    ImageTooLarge => "image_too_large",
    UnreadableImage => "unreadable_image",
    InvalidBody => "invalid_body",
    MalformedJson => "malformed_json",
    NotJson => "not_json",
    ValidationFailed => "validation_failed",
    // Who is asking
    NotSignedIn => "not_signed_in",
    BadCredentials => "bad_credentials",
    BadToken => "bad_token",
    BadFeedToken => "bad_feed_token",
    CsrfFailed => "csrf_failed",
    TooManyAttempts => "too_many_attempts",
    AlreadySetUp => "already_set_up",
    LinkNoLongerValid => "link_no_longer_valid",
    SsoFailed => "sso_failed",
    SsoRefused => "sso_refused",
    PasswordSignInOff => "password_sign_in_off",
    // What the caller may do
    NotAllowed => "not_allowed",
    AdminOnly => "admin_only",
    AuthorOnly => "author_only",
    OwnersOnly => "owners_only",
    GroupAdminsOnly => "group_admins_only",
    MembersOnly => "members_only",
    GuestNotAllowed => "guest_not_allowed",
    GuestsNotAllowed => "guests_not_allowed",
    CompanyFeedNotAllowed => "company_feed_not_allowed",
    QuietNotAllowed => "quiet_not_allowed",
    CannotDeactivateSelf => "cannot_deactivate_self",
    CannotFollowSelf => "cannot_follow_self",
    FollowLimit => "follow_limit",
    TokenReadOnly => "token_read_only",
    TokenWriteOnly => "token_write_only",
    HookRateLimited => "hook_rate_limited",
    ExportRateLimited => "export_rate_limited",
    BotDeactivated => "bot_deactivated",
    CannotReportOwn => "cannot_report_own",
    ReportLimit => "report_limit",
    // The state of things
    NotFound => "not_found",
    AlreadyExists => "already_exists",
    AlreadyMember => "already_member",
    Taken => "taken",
    EmailTaken => "email_taken",
    GroupNameTaken => "group_name_taken",
    GroupArchived => "group_archived",
    GroupHasGuests => "group_has_guests",
    LastOwner => "last_owner",
    LastAdmin => "last_admin",
    NotEmpty => "not_empty",
    NotPending => "not_pending",
    InvitationCancelled => "invitation_cancelled",
    InvitationExpired => "invitation_expired",
    InvitationUsed => "invitation_used",
    MailNotRefused => "mail_not_refused",
    NotAQuestion => "not_a_question",
    NotAPoll => "not_a_poll",
    PollClosed => "poll_closed",
    NotAnAnnouncement => "not_an_announcement",
    AlreadyReported => "already_reported",
    AlreadyDecided => "already_decided",
    // The server
    DatabaseTooNew => "database_too_new",
    Unavailable => "unavailable",
    Internal => "internal",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A domain error. Internal causes are logged, never shown.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Error {
    pub kind: ErrorKind,
    /// Stable, snake_case: `post_too_long`, `guest_not_allowed`.
    pub code: ErrorCode,
    /// A sentence for the person reading it.
    pub detail: String,
    /// Per-field messages for validation errors.
    pub fields: BTreeMap<String, Vec<String>>,
}

/// Shorthand for results of domain functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a stable `code` and a message.
    pub fn new(kind: ErrorKind, code: ErrorCode, detail: impl Into<String>) -> Error {
        Error {
            kind,
            code,
            detail: detail.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Absent, or not visible to the viewer: the two look the same on purpose.
    pub fn not_found(what: &str) -> Error {
        Error::new(
            ErrorKind::NotFound,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    /// Whether this is a NotFound.
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound)
    }

    /// `replacement` when this is a NotFound; any other error (a pool timeout, a broken
    /// connection) passes through, so it is never disguised as a client's mistake.
    pub fn when_not_found(self, replacement: impl FnOnce() -> Error) -> Error {
        match self.kind {
            ErrorKind::NotFound => replacement(),
            _ => self,
        }
    }

    pub fn unauthenticated() -> Error {
        Error::new(
            ErrorKind::Unauthenticated,
            ErrorCode::NotSignedIn,
            "sign in first",
        )
    }

    pub fn forbidden(code: ErrorCode, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Forbidden, code, detail)
    }

    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conflict, code, detail)
    }

    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadRequest, code, detail)
    }

    /// The service cannot answer right now (database down, pool exhausted).
    pub fn unavailable(cause: impl std::fmt::Display) -> Error {
        tracing::warn!(%cause, "unavailable");
        Error::new(
            ErrorKind::Unavailable,
            ErrorCode::Unavailable,
            "the service is busy; try again shortly",
        )
    }

    /// Our own failure: the cause is logged here and never shown to the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Error {
        tracing::error!(%cause, "internal error");
        Error::new(
            ErrorKind::Internal,
            ErrorCode::Internal,
            "something went wrong on our side",
        )
    }
}

/// Collects per-field validation messages and turns them into one `Invalid` error.
#[derive(Debug, Default)]
pub struct Validation {
    fields: BTreeMap<String, Vec<String>>,
}

impl Validation {
    /// Records `message` against `field` when `failed`.
    pub fn check(&mut self, failed: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if failed {
            self.fields
                .entry(field.to_string())
                .or_default()
                .push(message.into());
        }
        self
    }

    /// Refuses control characters (CR, LF, tab …) in `value`, a one-line field: names end up in
    /// email subjects and headers, logs and page titles, where a line break is an injection.
    pub fn single_line(&mut self, value: Option<&str>, field: &str) -> &mut Self {
        self.check(
            value.is_some_and(|v| v.chars().any(char::is_control)),
            field,
            "use one line of text, without control characters",
        )
    }

    /// `Ok` when nothing failed, else a 422 naming every field.
    pub fn finish(&mut self) -> Result<()> {
        if self.fields.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        let mut error = Error::new(
            ErrorKind::Invalid,
            ErrorCode::ValidationFailed,
            format!("check these fields: {}", names.join(", ")),
        );
        error.fields = std::mem::take(&mut self.fields);
        Err(error)
    }
}

/// A single-field 422.
pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Validation::default()
        .check(true, field, message)
        .finish()
        .err()
        .unwrap_or_else(|| {
            Error::new(
                ErrorKind::Invalid,
                ErrorCode::ValidationFailed,
                "invalid input",
            )
        })
}

/// What a person is told when her text holds a NUL character.
pub const NUL_REFUSED: &str = "text may not contain NUL characters";

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as Db};
        match error {
            Db::NotFound => Error::not_found("record"),
            Db::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(message = info.message(), "unique violation");
                Error::conflict(ErrorCode::AlreadyExists, "that already exists")
            }
            Db::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Error::unavailable(error),
            // SQLite's disk (or the file size limit) is full: nothing was written; it passes
            // when space returns.
            Db::DatabaseError(_, info) if info.message() == "database or disk is full" => {
                tracing::error!("the database's disk is full");
                Error::new(
                    ErrorKind::Unavailable,
                    ErrorCode::Unavailable,
                    "the server's disk is full; try again later",
                )
            }
            // PostgreSQL refuses NUL in text; the text came from outside, so the fault is its.
            Db::DatabaseError(_, info) if info.message().contains("0x00") => {
                Error::bad_request(ErrorCode::NulCharacter, NUL_REFUSED)
            }
            other => Error::internal(other),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(error: r2d2::Error) -> Error {
        Error::unavailable(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_not_found_is_replaced() {
        let replaced =
            Error::not_found("group").when_not_found(|| invalid("group_id", "no such group"));
        assert_eq!(replaced.kind, ErrorKind::Invalid);
        let busy = Error::unavailable("database pool: timed out")
            .when_not_found(|| invalid("group_id", "no such group"));
        assert_eq!(
            busy.kind,
            ErrorKind::Unavailable,
            "a pool timeout stays a 503"
        );
    }

    #[test]
    fn every_code_is_spelled_as_it_serialises() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    /// A code nobody raises is a promise the API does not keep: each is named at a call site.
    #[test]
    fn every_code_is_raised_somewhere() {
        let mut sources = String::new();
        let mut folders = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push_str(&std::fs::read_to_string(path).unwrap());
                }
            }
        }
        for code in ErrorCode::ALL {
            let use_site = format!("ErrorCode::{code:?}");
            assert!(sources.contains(&use_site), "{use_site} is never raised");
        }
    }
}

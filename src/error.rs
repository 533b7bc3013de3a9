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
    RateLimited { retry_after: Duration },
    Unavailable,
    Internal,
}

/// A domain error. Internal causes are logged, never shown.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Error {
    pub kind: ErrorKind,
    /// Stable, snake_case: `post_too_long`, `guest_not_allowed`.
    pub code: &'static str,
    /// A sentence for the person reading it.
    pub detail: String,
    /// Per-field messages for validation errors.
    pub fields: BTreeMap<String, Vec<String>>,
}

/// Shorthand for results of domain functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a stable `code` and a message.
    pub fn new(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Error {
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
            "not_found",
            format!("{what} not found"),
        )
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
        Error::new(ErrorKind::Unauthenticated, "not_signed_in", "sign in first")
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Forbidden, code, detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conflict, code, detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadRequest, code, detail)
    }

    /// The service cannot answer right now (database down, pool exhausted).
    pub fn unavailable(cause: impl std::fmt::Display) -> Error {
        tracing::warn!(%cause, "unavailable");
        Error::new(
            ErrorKind::Unavailable,
            "unavailable",
            "the service is busy; try again shortly",
        )
    }

    /// Our own failure: the cause is logged here and never shown to the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Error {
        tracing::error!(%cause, "internal error");
        Error::new(
            ErrorKind::Internal,
            "internal",
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
            "validation_failed",
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
        .unwrap_or_else(|| Error::new(ErrorKind::Invalid, "validation_failed", "invalid input"))
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as Db};
        match error {
            Db::NotFound => Error::not_found("record"),
            Db::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(message = info.message(), "unique violation");
                Error::conflict("already_exists", "that already exists")
            }
            Db::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Error::unavailable(error),
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
}

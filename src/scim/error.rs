//! SCIM's own error answer (RFC 7644 §3.12): `application/scim+json` with the Error schema,
//! the status as a string, and a `scimType` saying which rule was broken.

use crate::error::{Error, ErrorKind};

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A refused SCIM request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    /// `invalidFilter`, `invalidValue`, `uniqueness`, `mutability`, `invalidSyntax`,
    /// `noTarget`, `invalidPath`, `tooMany`; `None` where the RFC names none.
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> ScimError {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &str) -> ScimError {
        ScimError {
            status: 404,
            scim_type: None,
            detail: format!("no such {what}"),
        }
    }

    pub fn status(status: u16, detail: impl Into<String>) -> ScimError {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        body
    }
}

impl From<diesel::result::Error> for ScimError {
    fn from(error: diesel::result::Error) -> ScimError {
        Error::from(error).into()
    }
}

/// Agora's own errors, in SCIM's terms: a refused value is `invalidValue`, a taken email
/// `uniqueness`; internal causes stay in the log.
impl From<Error> for ScimError {
    fn from(error: Error) -> ScimError {
        match error.kind {
            ErrorKind::Invalid | ErrorKind::BadRequest => {
                let fields = error
                    .fields
                    .iter()
                    .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
                    .collect::<Vec<_>>()
                    .join(", ");
                let detail = if fields.is_empty() {
                    error.detail
                } else {
                    fields
                };
                ScimError::bad("invalidValue", detail)
            }
            ErrorKind::Conflict => ScimError {
                status: 409,
                scim_type: Some("uniqueness"),
                detail: error.detail,
            },
            ErrorKind::NotFound => ScimError::status(404, error.detail),
            ErrorKind::Unavailable => ScimError::status(503, error.detail),
            _ => {
                tracing::error!(%error, "scim request failed");
                ScimError::status(500, "the request could not be completed")
            }
        }
    }
}

//! A SCIM 2.0 server (RFC 7643, RFC 7644) at `/scim/v2`, for the company's identity provider
//! to create, update and deactivate employees and keep group membership in step.
//!
//! Invariants: SCIM sees employees and admins, never guests; every request is one
//! transaction; a person SCIM deactivates loses every session, token and live stream at once
//! and keeps what she wrote. Details and the attribute mapping: `docs/scim.md`.

pub mod error;
pub mod filter;
pub mod groups;
pub mod patch;
pub mod tokens;
pub mod users;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Where the server is mounted.
pub const BASE_PATH: &str = "/scim/v2";

/// How a PUT or PATCH changes a resource.
#[derive(Clone, Copy, Debug)]
pub enum Change {
    Replace,
    Modify,
}

impl Change {
    /// The resource as the request wants it: the body itself (PUT), or `current` with the
    /// body's operations applied (PATCH), to be checked and stored the same way.
    pub fn wanted(
        self,
        current: serde_json::Value,
        body: &serde_json::Value,
    ) -> error::ScimResult<serde_json::Value> {
        match self {
            Change::Replace => Ok(body.clone()),
            Change::Modify => {
                let mut current = current;
                patch::apply(&mut current, body)?;
                Ok(current)
            }
        }
    }
}

/// A weak ETag of a resource: a digest of its JSON, so any change shows.
pub fn version_of(resource: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(resource.to_string().as_bytes());
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}

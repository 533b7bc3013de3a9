//! Single sign-on with the company's OpenID Connect provider: the sign-in flow (`flow`),
//! who that makes a person in Agora (`people`), and logging out both ways (`logout`).
//!
//! Invariants: an ID token or logout token counts only after its signature, issuer and
//! audience are checked against the discovered provider; a person is known by the provider's
//! subject, never by an email alone once linked; guests never sign in this way.

mod flow;
pub mod logout;
mod outbound;
pub mod people;
mod provider;

use std::time::Duration;

use serde_json::{Map, Value};

use crate::accounts::directory::DirectoryProfile;
use crate::config::{ClaimNames, Config, Secret};
use crate::error::Result;

pub use flow::{Identity, PendingLogin};

/// The configured provider and what Agora asks of it.
#[derive(Debug)]
pub struct Sso {
    provider: provider::Provider,
    http: outbound::Outbound,
    client_id: String,
    client_secret: Secret,
    redirect_uri: String,
    scopes: String,
    leeway: Duration,
    claims: ClaimNames,
    /// Text of the sign-in page's button.
    pub button_label: String,
    /// If not empty, the only email domains that may sign in this way.
    pub allowed_domains: Vec<String>,
    /// Whether only people SCIM provisioned may sign in.
    pub provisioned_only: bool,
    /// Where the provider sends the browser after an RP-initiated logout.
    pub post_logout_uri: String,
}

/// Path of the redirect URI, under the public URL.
pub const CALLBACK_PATH: &str = "/sso/callback";
/// Path where the provider posts back-channel logout tokens.
pub const BACKCHANNEL_PATH: &str = "/sso/backchannel-logout";

impl Sso {
    /// The provider `config` names, or `None` when single sign-on is off.
    pub fn from_config(config: &Config) -> Result<Option<Sso>> {
        let Some(client) = config.oidc.client() else {
            return Ok(None);
        };
        let settings = &config.oidc;
        let public = config.public_url();
        Ok(Some(Sso {
            provider: provider::Provider::new(client.issuer_url)?,
            http: outbound::Outbound::new()?,
            client_id: client.client_id.to_string(),
            client_secret: client.client_secret.clone(),
            redirect_uri: format!("{public}{CALLBACK_PATH}"),
            scopes: settings.scopes.clone(),
            leeway: Duration::from_secs(settings.leeway_secs),
            claims: settings.claims.clone(),
            button_label: settings.button_label.clone(),
            allowed_domains: settings.allowed_domains.clone(),
            provisioned_only: settings.provisioned_only,
            post_logout_uri: format!("{public}/sign-in"),
        }))
    }

    pub fn issuer(&self) -> &str {
        self.provider.issuer()
    }

    /// The configured claim names that are read (not left empty).
    fn claim_names(&self) -> Vec<&str> {
        let c = &self.claims;
        [
            &c.name,
            &c.email,
            &c.title,
            &c.department,
            &c.manager,
            &c.groups,
        ]
        .into_iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect()
    }

    /// The profile the configured claims carry.
    pub fn profile_of(&self, claims: &Map<String, Value>) -> people::Claimed {
        let text = |name: &str| {
            let name = name.trim();
            (!name.is_empty())
                .then(|| claims.get(name))
                .flatten()
                .and_then(Value::as_str)
                .map(|value| value.trim().to_string())
        };
        let groups = match claims.get(self.claims.groups.trim()) {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(name)) => vec![name.clone()],
            _ => Vec::new(),
        };
        people::Claimed {
            email: text(&self.claims.email),
            email_verified: claims.get("email_verified").and_then(Value::as_bool),
            profile: DirectoryProfile {
                name: text(&self.claims.name),
                title: text(&self.claims.title),
                department: text(&self.claims.department),
                manager_email: text(&self.claims.manager),
            },
            groups,
        }
    }
}

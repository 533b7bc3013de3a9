//! The commands of the `agora` binary beyond parsing its arguments: serving, migrating,
//! administration, search maintenance and the demo company. Each prints what it did and
//! returns a sentence for the user on failure.

pub mod admin;
pub mod demo;
pub mod portability;
pub mod search;
pub mod serve;

use crate::App;
use crate::config::Config;
use crate::db;

/// The app for `config`, or a sentence saying which database it could not start on.
pub fn build(config: Config) -> Result<App, String> {
    let url = db::redact_url(&config.database_url());
    App::build(config).map_err(|e| format!("cannot start on {url}: {}", e.detail))
}

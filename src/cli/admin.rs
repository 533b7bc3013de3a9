//! `agora admin …`: tasks an operator runs on the server.

use std::io::{BufRead, IsTerminal};

use super::build;
use crate::access::{Principal, Viewer};
use crate::accounts::UserKind;
use crate::accounts::actions::{self, NewAccount, Registration};
use crate::config::Config;

/// Creates a user of `kind` (admin or employee); the password comes from standard input.
pub fn create_user(
    config: Config,
    email: String,
    name: String,
    kind: UserKind,
) -> Result<(), String> {
    let password = read_password()?;
    let app = build(config)?;
    let account = NewAccount {
        email,
        name,
        password,
        kind,
    };
    // The command line acts with an administrator's authority.
    let operator = Viewer::User(Principal::new(crate::ids::UserId(0), UserKind::Admin));
    let user = actions::register(
        &app.db,
        &app.config.auth,
        account,
        Registration::ByAdmin(&operator),
        &crate::audit::Origin::command_line(),
    )
    .map_err(|e| {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|(f, m)| format!("{f}: {}", m.join("; ")))
            .collect();
        if fields.is_empty() {
            e.detail
        } else {
            fields.join(", ")
        }
    })?;
    println!(
        "created {} <{}> as {} (id {})",
        user.name, user.email, user.kind, user.id
    );
    Ok(())
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password: ").map_err(|e| e.to_string());
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

//! Bot accounts: users of kind `bot` that an admin (or an incoming webhook) makes. A bot has
//! no password and no mailbox: its email is a placeholder under `bots.invalid` (a name that
//! can never be delivered) kept only because every account has a unique one, and it acts
//! only through the tokens issued to it.

use diesel::prelude::*;

use super::model::{NewUser, User, UserKind};
use super::queries;
use crate::clock;
use crate::db::schema::users;
use crate::db::{DbConnection, new_id};
use crate::error::{Error, Result, Validation};
use crate::events::{self, Event};
use crate::ids::UserId;

/// The domain of bots' placeholder addresses: reserved, never delivered to (RFC 2606).
pub const BOT_DOMAIN: &str = "bots.invalid";
/// Longest bot name.
const MAX_NAME: usize = 100;
/// Longest bot description.
const MAX_DESCRIPTION: usize = 2000;

/// Creates a bot account named `name`, described by `description`, on `by`'s behalf. Its
/// handle comes from its name, made unique like anyone's.
pub fn create_bot_account(
    conn: &mut DbConnection,
    by: UserId,
    name: &str,
    description: &str,
) -> Result<User> {
    let name = name.trim();
    Validation::default()
        .check(name.is_empty(), "name", "enter a name")
        .single_line(Some(name), "name")
        .check(
            name.chars().count() > MAX_NAME,
            "name",
            format!("at most {MAX_NAME} characters"),
        )
        .check(
            description.chars().count() > MAX_DESCRIPTION,
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        )
        .finish()?;
    let slug = slug(name);
    let handle = super::actions::unique_handle(conn, &format!("{slug}@{BOT_DOMAIN}"))?;
    let email = format!("{handle}@{BOT_DOMAIN}");
    let id = UserId(new_id());
    diesel::insert_into(users::table)
        .values(NewUser {
            id,
            email: &email,
            handle: &handle,
            name,
            kind: UserKind::Bot.as_str(),
            // Matches no password: a bot never signs in.
            password_hash: "",
            created_at: clock::now(),
        })
        .execute(conn)?;
    diesel::update(users::table.find(id))
        .set((users::bio.eq(description.trim()), users::digest.eq("off")))
        .execute(conn)?;
    events::append(conn, &Event::UserCreated { by, user: id })?;
    queries::find(conn, id)?.ok_or_else(|| Error::internal("bot vanished after insert"))
}

/// Every bot account, active or not, newest first.
pub fn list_bots(conn: &mut DbConnection) -> Result<Vec<User>> {
    Ok(users::table
        .filter(users::kind.eq(UserKind::Bot.as_str()))
        .order(users::id.desc())
        .select(User::as_select())
        .load(conn)?)
}

/// The bot account `id`, active or not; 404 for anyone else's id.
pub fn find_bot(conn: &mut DbConnection, id: UserId) -> Result<User> {
    queries::find(conn, id)?
        .filter(|user| user.kind() == UserKind::Bot)
        .ok_or_else(|| Error::not_found("bot"))
}

/// A handle's raw material from a name: letters and digits, words joined by `-`.
fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        "bot".to_string()
    } else {
        words.join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_keep_words_and_drop_the_rest() {
        assert_eq!(slug("Deploy Bot!"), "deploy-bot");
        assert_eq!(slug("  ***  "), "bot");
        assert_eq!(slug("CI/CD alerts"), "ci-cd-alerts");
    }
}

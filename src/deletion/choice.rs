//! What is asked of whoever deletes an account: what becomes of the content (unless the
//! company's policy decides), and proof that she means it.

use serde::{Deserialize, Serialize};

use crate::accounts::{User, actions::normalize_email, passwords};
use crate::config::DeletionPolicy;
use crate::error::{Result, invalid};

/// What becomes of a deleted account's posts and comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentChoice {
    /// Removed, as if she had deleted each one: gone from feeds, search, Atom and threads.
    Remove,
    /// Kept, shown as written by "Former member".
    #[serde(alias = "anonymize")]
    Anonymise,
}

impl ContentChoice {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentChoice::Remove => "remove",
            ContentChoice::Anonymise => "anonymise",
        }
    }

    /// Reads a form's value; anything else is no choice.
    pub fn parse(raw: &str) -> Option<ContentChoice> {
        match raw {
            "remove" => Some(ContentChoice::Remove),
            "anonymise" | "anonymize" => Some(ContentChoice::Anonymise),
            _ => None,
        }
    }

    /// What `policy` makes of `asked`: the choice itself under `choice`, the policy's where it
    /// forces one (asking for the other is refused rather than silently overruled).
    pub fn decide(policy: DeletionPolicy, asked: Option<ContentChoice>) -> Result<ContentChoice> {
        let forced = match policy {
            DeletionPolicy::Choice => {
                return asked.ok_or_else(|| {
                    invalid("content", "choose whether to remove or keep the content")
                });
            }
            DeletionPolicy::Remove => ContentChoice::Remove,
            DeletionPolicy::Anonymise => ContentChoice::Anonymise,
        };
        match asked {
            Some(other) if other != forced => Err(invalid(
                "content",
                format!(
                    "your company's policy is to {} the content of deleted accounts",
                    forced.as_str()
                ),
            )),
            _ => Ok(forced),
        }
    }

    /// What a deletion with no one to ask does (a guest long expired): the policy's, and
    /// under `choice` her content stays, as a conversation she took part in stays readable.
    pub fn unattended(policy: DeletionPolicy) -> ContentChoice {
        match policy {
            DeletionPolicy::Remove => ContentChoice::Remove,
            DeletionPolicy::Choice | DeletionPolicy::Anonymise => ContentChoice::Anonymise,
        }
    }
}

/// Proof that whoever deletes the account means it.
#[derive(Clone, Debug, Default)]
pub struct Confirmation {
    /// Her current password: required of someone deleting her own account who has one.
    pub password: Option<String>,
    /// The account's email address, typed: required of an admin deleting someone, and of
    /// someone without a password (signed in through the company's identity provider).
    pub confirm_email: Option<String>,
}

impl Confirmation {
    /// Checks that `user` herself confirmed the deletion of her account.
    pub fn check_own(&self, user: &User) -> Result<()> {
        if has_password(user) {
            let given = self.password.as_deref().unwrap_or_default();
            if given.is_empty() || !passwords::verify(given, &user.password_hash) {
                return Err(invalid("password", "enter your current password"));
            }
            return Ok(());
        }
        self.check_email(user)
    }

    /// Checks that the account's address was typed (an admin deleting it, or someone who
    /// has no password).
    pub fn check_email(&self, user: &User) -> Result<()> {
        let typed = normalize_email(self.confirm_email.as_deref().unwrap_or_default());
        if typed.is_empty() || typed != user.email {
            return Err(invalid(
                "confirm_email",
                "type the account's email address to confirm",
            ));
        }
        Ok(())
    }
}

/// Whether `user` has a password she could type (not someone the identity provider signs in).
pub fn has_password(user: &User) -> bool {
    !user.password_hash.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_decides_where_it_forces_one() {
        use ContentChoice::*;
        assert_eq!(
            ContentChoice::decide(DeletionPolicy::Choice, Some(Remove)).unwrap(),
            Remove
        );
        assert!(ContentChoice::decide(DeletionPolicy::Choice, None).is_err());
        assert_eq!(
            ContentChoice::decide(DeletionPolicy::Anonymise, None).unwrap(),
            Anonymise
        );
        assert!(ContentChoice::decide(DeletionPolicy::Anonymise, Some(Remove)).is_err());
        assert_eq!(
            ContentChoice::decide(DeletionPolicy::Remove, Some(Remove)).unwrap(),
            Remove
        );
        assert_eq!(ContentChoice::unattended(DeletionPolicy::Choice), Anonymise);
        assert_eq!(ContentChoice::parse("anonymize"), Some(Anonymise));
        assert_eq!(ContentChoice::parse("keep"), None);
    }
}

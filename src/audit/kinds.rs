//! What the audit log records: one variant per kind of action, each with a stable wire name
//! (`sign_in.failed`) that filters, exports and the API speak, and what it was done to.
//!
//! A new kind of action is a new variant here (its name in `as_str` and in `ALL`), and a call
//! to [`record`](super::record) in the action's transaction: docs/audit.md shows one.

use std::fmt;

use crate::ids::{GroupId, InvitationId, UserId, WebhookId};

/// A kind of administrative or security action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// Someone signed in (password, single sign-on, or a sign-in link).
    SignInSucceeded,
    /// A sign-in was refused: wrong password, unknown person, deactivated, or the provider said no.
    SignInFailed,
    SessionCreated,
    SessionRevoked,
    TokenCreated,
    TokenRevoked,
    /// Every session and token of someone ended at once ("sign out everywhere").
    SignedOutEverywhere,
    /// An account was made: first-run setup, by an admin, or for an accepted guest.
    UserCreated,
    /// An admin changed someone else's profile.
    UserUpdated,
    UserDeactivated,
    UserReactivated,
    /// An account was deleted, by its owner, an admin, or Agora (a guest long expired); its
    /// subject is the account's pseudonym, never her name or address.
    AccountDeleted,
    /// A group's name, visibility, guest setting, broadcast or archive state changed.
    GroupSettingsChanged,
    MembershipAdded,
    MembershipRoleChanged,
    /// Someone was removed from a group by its owners or admins (leaving is not recorded).
    MembershipRemoved,
    InvitationSent,
    InvitationResent,
    InvitationCancelled,
    InvitationAccepted,
    GuestExtended,
    GuestRevoked,
    ScimUserCreated,
    ScimUserUpdated,
    ScimUserDeleted,
    ScimGroupCreated,
    ScimGroupUpdated,
    ScimGroupDeleted,
    ScimTokenCreated,
    ScimTokenRevoked,
    WebhookCreated,
    WebhookUpdated,
    WebhookDeleted,
    WebhookSecretRotated,
    WebhookRedelivered,
    BotCreated,
    BotHookCreated,
    BotHookRevoked,
    /// An admin sent the due digests now.
    DigestsRun,
    /// An admin sent a refused mail again.
    MailRetried,
    /// The audit log itself was exported (JSONL).
    AuditExported,
    /// Someone asked for a copy of her own data (her personal export).
    DataExportRequested,
    /// The whole network was written to an archive (`agora export`).
    NetworkExported,
    /// The whole network was loaded from an archive (`agora import`), as its first entry here.
    NetworkImported,
    /// A moderator decided a report: dismissed, hid or deleted its item, and perhaps warned
    /// or suspended its author (a suspension is also recorded as `user.deactivated`).
    ReportDecided,
}

impl AuditAction {
    /// Every action, in the order the admin page's filter lists them.
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::SignInSucceeded,
        AuditAction::SignInFailed,
        AuditAction::SessionCreated,
        AuditAction::SessionRevoked,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::SignedOutEverywhere,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::AccountDeleted,
        AuditAction::GroupSettingsChanged,
        AuditAction::MembershipAdded,
        AuditAction::MembershipRoleChanged,
        AuditAction::MembershipRemoved,
        AuditAction::InvitationSent,
        AuditAction::InvitationResent,
        AuditAction::InvitationCancelled,
        AuditAction::InvitationAccepted,
        AuditAction::GuestExtended,
        AuditAction::GuestRevoked,
        AuditAction::ScimUserCreated,
        AuditAction::ScimUserUpdated,
        AuditAction::ScimUserDeleted,
        AuditAction::ScimGroupCreated,
        AuditAction::ScimGroupUpdated,
        AuditAction::ScimGroupDeleted,
        AuditAction::ScimTokenCreated,
        AuditAction::ScimTokenRevoked,
        AuditAction::WebhookCreated,
        AuditAction::WebhookUpdated,
        AuditAction::WebhookDeleted,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookRedelivered,
        AuditAction::BotCreated,
        AuditAction::BotHookCreated,
        AuditAction::BotHookRevoked,
        AuditAction::DigestsRun,
        AuditAction::MailRetried,
        AuditAction::AuditExported,
        AuditAction::DataExportRequested,
        AuditAction::NetworkExported,
        AuditAction::NetworkImported,
        AuditAction::ReportDecided,
    ];

    /// The stable wire name: stored, filtered on, exported. Never rename one.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignInSucceeded => "sign_in.succeeded",
            AuditAction::SignInFailed => "sign_in.failed",
            AuditAction::SessionCreated => "session.created",
            AuditAction::SessionRevoked => "session.revoked",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::SignedOutEverywhere => "credentials.revoked_all",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserUpdated => "user.updated",
            AuditAction::UserDeactivated => "user.deactivated",
            AuditAction::UserReactivated => "user.reactivated",
            AuditAction::AccountDeleted => "account.deleted",
            AuditAction::GroupSettingsChanged => "group.settings_changed",
            AuditAction::MembershipAdded => "membership.added",
            AuditAction::MembershipRoleChanged => "membership.role_changed",
            AuditAction::MembershipRemoved => "membership.removed",
            AuditAction::InvitationSent => "invitation.sent",
            AuditAction::InvitationResent => "invitation.resent",
            AuditAction::InvitationCancelled => "invitation.cancelled",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::GuestExtended => "guest.extended",
            AuditAction::GuestRevoked => "guest.revoked",
            AuditAction::ScimUserCreated => "scim.user_created",
            AuditAction::ScimUserUpdated => "scim.user_updated",
            AuditAction::ScimUserDeleted => "scim.user_deleted",
            AuditAction::ScimGroupCreated => "scim.group_created",
            AuditAction::ScimGroupUpdated => "scim.group_updated",
            AuditAction::ScimGroupDeleted => "scim.group_deleted",
            AuditAction::ScimTokenCreated => "scim_token.created",
            AuditAction::ScimTokenRevoked => "scim_token.revoked",
            AuditAction::WebhookCreated => "webhook.created",
            AuditAction::WebhookUpdated => "webhook.updated",
            AuditAction::WebhookDeleted => "webhook.deleted",
            AuditAction::WebhookSecretRotated => "webhook.secret_rotated",
            AuditAction::WebhookRedelivered => "webhook.redelivered",
            AuditAction::BotCreated => "bot.created",
            AuditAction::BotHookCreated => "bot_hook.created",
            AuditAction::BotHookRevoked => "bot_hook.revoked",
            AuditAction::DigestsRun => "digests.run",
            AuditAction::MailRetried => "mail.retried",
            AuditAction::AuditExported => "audit.exported",
            AuditAction::DataExportRequested => "data_export.requested",
            AuditAction::NetworkExported => "network.exported",
            AuditAction::NetworkImported => "network.imported",
            AuditAction::ReportDecided => "report.decided",
        }
    }

    /// The action of a wire name, if there is one.
    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == name)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action was done to, stored as `kind:id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Nothing,
    User(UserId),
    Group(GroupId),
    Session(i64),
    Token(i64),
    Invitation(InvitationId),
    Webhook(WebhookId),
    /// An incoming webhook of a bot.
    Hook(i64),
    ScimToken(i64),
    /// A message in the outbox.
    Mail(i64),
    /// An address nobody has (a failed sign-in of an unknown person).
    Email(String),
    /// A reader's report of a post or comment.
    Report(crate::ids::ReportId),
    /// A deleted account, by its pseudonym (a keyed hash of its id).
    FormerAccount(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Nothing => Ok(()),
            Subject::User(id) => write!(f, "user:{id}"),
            Subject::Group(id) => write!(f, "group:{id}"),
            Subject::Session(id) => write!(f, "session:{id}"),
            Subject::Token(id) => write!(f, "token:{id}"),
            Subject::Invitation(id) => write!(f, "invitation:{id}"),
            Subject::Webhook(id) => write!(f, "webhook:{id}"),
            Subject::Hook(id) => write!(f, "hook:{id}"),
            Subject::ScimToken(id) => write!(f, "scim_token:{id}"),
            Subject::Mail(id) => write!(f, "mail:{id}"),
            Subject::Email(address) => write!(f, "email:{address}"),
            Subject::Report(id) => write!(f, "report:{id}"),
            Subject::FormerAccount(pseudonym) => write!(f, "former_account:{pseudonym}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_under_a_name_of_its_own() {
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a wire name is used twice");
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert!(action.as_str().contains('.'), "{action}");
        }
        assert_eq!(AuditAction::parse("nothing.like.this"), None);
    }
}

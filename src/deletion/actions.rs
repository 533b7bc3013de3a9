//! The three ways an account is deleted, and the one erasure they share.

use super::choice::{Confirmation, ContentChoice};
use crate::access::Viewer;
use crate::accounts::{self, User, UserKind};
use crate::audit::{self, AuditAction, Entry, Origin, Subject};
use crate::config::DeletionPolicy;
use crate::db::{DbConnection, lock_accounts};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::UserId;
use crate::signing::Signer;
use crate::{clock, exports, files, follows, groups, guests, moderation, posts};
use crate::{recommendations, scim, signals, sso};

/// What a deletion needs besides the account: the company's policy and the key of
/// pseudonyms.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    pub policy: DeletionPolicy,
    pub signer: &'a Signer,
}

/// Deletes the viewer's own account, once she confirmed it; `asked` is her choice for the
/// content (the policy may make it for her).
pub fn delete_own_account(
    conn: &mut DbConnection,
    rules: Rules<'_>,
    viewer: &Viewer,
    asked: Option<ContentChoice>,
    confirmation: &Confirmation,
    origin: &Origin,
) -> Result<ContentChoice> {
    let me = viewer.require_user()?.id;
    let user = accounts::erasure::deletable(conn, me)?;
    let content = ContentChoice::decide(rules.policy, asked)?;
    confirmation.check_own(&user)?;
    erase(conn, rules.signer, &user, Some(me), content, origin)?;
    Ok(content)
}

/// Deletes account `id` (admins only), once the admin typed its address to confirm.
pub fn delete_account_of(
    conn: &mut DbConnection,
    rules: Rules<'_>,
    viewer: &Viewer,
    id: UserId,
    asked: Option<ContentChoice>,
    confirmation: &Confirmation,
    origin: &Origin,
) -> Result<ContentChoice> {
    let admin = viewer.require_admin()?.id;
    let user = accounts::erasure::deletable(conn, id)?;
    let content = ContentChoice::decide(rules.policy, asked)?;
    confirmation.check_email(&user)?;
    erase(conn, rules.signer, &user, Some(admin), content, origin)?;
    Ok(content)
}

/// Deletes account `id` with nobody asking (a guest whose access ended long ago): the
/// content goes as the policy says, kept when it leaves the choice open.
pub fn delete_unattended(
    conn: &mut DbConnection,
    rules: Rules<'_>,
    id: UserId,
    origin: &Origin,
) -> Result<()> {
    let user = accounts::erasure::deletable(conn, id)?;
    let content = ContentChoice::unattended(rules.policy);
    erase(conn, rules.signer, &user, None, content, origin)
}

/// Erases `user` on `actor`'s behalf (none: Agora itself), in the caller's transaction.
fn erase(
    conn: &mut DbConnection,
    signer: &Signer,
    user: &User,
    actor: Option<UserId>,
    content: ContentChoice,
    origin: &Origin,
) -> Result<()> {
    let id = user.id;
    // Serialises deletions: two admins deleting each other cannot both see the other remain.
    lock_accounts(conn)?;
    if user.kind() == UserKind::Admin && !accounts::erasure::another_admin_remains(conn, id)? {
        return Err(Error::conflict(
            ErrorCode::LastAdmin,
            "the last admin cannot be deleted: make someone else an admin first",
        ));
    }
    if content == ContentChoice::Remove {
        remove_content(conn, id, actor.unwrap_or(id))?;
    }
    posts::erasure::forget_reader(conn, id)?;
    follows::forget(conn, id)?;
    groups::actions::remove_from_all(conn, id, actor)?;
    signals::erasure::forget(conn, id)?;
    recommendations::actions::forget(conn, id)?;
    files::actions::release_uploads_of(conn, id)?;
    exports::actions::end_exports_of(conn, id, clock::now())?;
    sso::people::unlink(conn, id)?;
    scim::users::forget(conn, id)?;
    let placeholder = accounts::erasure::tombstone(conn, id, actor)?;
    guests::invitations::forget_invitee(conn, &user.email, id, &placeholder)?;
    let by = match actor {
        Some(actor) if actor == id => "self",
        Some(_) => "admin",
        None => "system",
    };
    let deleted = Entry::new(AuditAction::AccountDeleted, actor)
        .subject(Subject::FormerAccount(super::pseudonym(signer, id)?))
        .detail(serde_json::json!({
            "content": content.as_str(),
            "kind": user.kind().as_str(),
            "by": by,
        }));
    audit::record(conn, origin, deleted)
}

/// Removes what `author` wrote, on `by`'s behalf, through the paths every deletion takes,
/// closes the reports about it, blanks its text, and takes back her likes and votes.
fn remove_content(conn: &mut DbConnection, author: UserId, by: UserId) -> Result<()> {
    let authored = posts::erasure::authored_by(conn, author)?;
    for (comment, post) in &authored.comments {
        posts::comments::remove_comment(conn, comment, post, by, None)?;
        moderation::actions::item_removed(conn, post.id, Some(comment.id), by)?;
    }
    for post in &authored.posts {
        posts::actions::remove_post(conn, post, by, None)?;
        moderation::actions::item_removed(conn, post.id, None, by)?;
    }
    let post_ids: Vec<_> = authored.posts.iter().map(|p| p.id).collect();
    let comment_ids: Vec<_> = authored.comments.iter().map(|(c, _)| c.id).collect();
    posts::erasure::blank_removed(conn, &post_ids, &comment_ids)?;
    posts::erasure::withdraw_reactions(conn, author)
}

//! The only public loaders of users: each applies the access policy, and what the viewer may
//! not see is reported exactly like what does not exist.

use std::collections::{HashMap, HashSet};

use super::model::User;
use super::queries;
use super::views::UserView;
use crate::access::{Scope, Viewer};
use crate::db::DbConnection;
use crate::error::{Error, Result};
use crate::groups;
use crate::ids::UserId;

/// The people a viewer may see.
#[derive(Clone, Debug)]
pub enum Circle {
    /// An admin, who looks after every account.
    Everyone,
    /// A guest: herself and everyone who shares a group with her.
    Only(HashSet<UserId>),
    /// An employee: everyone but the guests she shares no group with (customers are colleagues'
    /// business only where they work together).
    AllBut(HashSet<UserId>),
}

impl Circle {
    /// Whether the viewer may see person `id`.
    pub fn contains(&self, id: UserId) -> bool {
        match self {
            Circle::Everyone => true,
            Circle::Only(ids) => ids.contains(&id),
            Circle::AllBut(ids) => !ids.contains(&id),
        }
    }
}

/// The viewer's circle, by the policy's rule.
pub fn circle(conn: &mut DbConnection, scope: &Scope) -> Result<Circle> {
    let viewer = scope.viewer();
    if viewer.is_admin() {
        return Ok(Circle::Everyone);
    }
    if viewer.is_walled() {
        let co_members = groups::access::co_member_ids(conn, scope)?;
        return Ok(Circle::Only(
            co_members.into_iter().chain(viewer.user_id()).collect(),
        ));
    }
    // An employee's circle is asked on every feed page: remembered where her scope was, unless
    // her credential limits her groups (and so her circle) further.
    match (viewer, scope.memory()) {
        (Viewer::User(me), Some((remembered, stamp))) if me.limit.is_none() => {
            let load = || employee_circle(conn, scope);
            Ok(remembered
                .employee_circle(me.id, stamp, load)?
                .as_ref()
                .clone())
        }
        _ => employee_circle(conn, scope),
    }
}

/// An employee's circle: read the few guests, and of them the ones she works with, rather than
/// every member of her (possibly company-wide) groups.
fn employee_circle(conn: &mut DbConnection, scope: &Scope) -> Result<Circle> {
    let guests = queries::guest_ids(conn)?;
    let met: HashSet<UserId> = groups::access::co_members_among(conn, scope, &guests)?
        .into_iter()
        .collect();
    Ok(Circle::AllBut(
        guests.into_iter().filter(|id| !met.contains(id)).collect(),
    ))
}

/// User `id` if the viewer may see them.
pub fn visible_user(conn: &mut DbConnection, scope: &Scope, id: UserId) -> Result<User> {
    scope.viewer().require_user()?;
    if !circle(conn, scope)?.contains(id) {
        return Err(Error::not_found("user"));
    }
    queries::find(conn, id)?.ok_or_else(|| Error::not_found("user"))
}

/// The cards of `ids` (authors of what the viewer reads) as the directory would show them to
/// her: in full for those she may see, as a byline for anyone else (a guest reading a comment
/// by an employee outside her groups learns the name, not the profile). `circle` is the
/// viewer's [`circle`], which the caller reads once for the page.
pub fn cards(
    conn: &mut DbConnection,
    scope: &Scope,
    circle: &Circle,
    ids: &[UserId],
) -> Result<HashMap<UserId, UserView>> {
    Ok(queries::find_many(conn, ids)?
        .into_iter()
        .map(|user| {
            let card = match circle.contains(user.id) {
                false => UserView::byline(&user, scope.viewer()),
                true => UserView::of(&user, scope.viewer()),
            };
            (user.id, card)
        })
        .collect())
}

/// The viewer's own row.
pub fn current_user(conn: &mut DbConnection, viewer: &Viewer) -> Result<User> {
    let principal = viewer.require_user()?;
    queries::find(conn, principal.id)?.ok_or_else(Error::unauthenticated)
}

/// What the people directory is asked for: words of a name or handle, and a department.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lookup<'a> {
    pub q: Option<&'a str>,
    pub department: Option<&'a str>,
}

/// One page of the people directory: active users matching `lookup` that the viewer may see.
/// `q` matches only what the viewer is shown (name and handle; the email too for admins, who
/// see every address), so the directory cannot tell whether a hidden address exists.
pub fn directory(
    conn: &mut DbConnection,
    scope: &Scope,
    lookup: Lookup<'_>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<User>, Option<String>)> {
    scope.viewer().require_user()?;
    let cursor = cursor.map(crate::cursor::decode).transpose()?;
    let circle = circle(conn, scope)?;
    let matched = queries::Matched {
        text: lookup.q,
        emails: scope.viewer().is_admin(),
        department: lookup.department,
    };
    let users = queries::list_active(conn, matched, &circle, cursor.as_ref(), limit + 1)?;
    Ok(crate::cursor::page(users, limit, |u| {
        crate::cursor::encode(&u.name, u.id)
    }))
}

/// One page of everyone, for the admin's people page (where accounts are made and
/// deactivated): the directory, to admins only.
pub fn people_for_admin(
    conn: &mut DbConnection,
    scope: &Scope,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<User>, Option<String>)> {
    scope.viewer().require_admin()?;
    directory(conn, scope, Lookup::default(), cursor, limit)
}

/// Where `person` sits in the org chart as the viewer may see it: her manager and the people
/// who report to her directly. Nothing for a guest, who is not shown the company's org data.
pub fn org_of(
    conn: &mut DbConnection,
    scope: &Scope,
    person: &User,
) -> Result<(Option<User>, Vec<User>)> {
    scope.viewer().require_user()?;
    if scope.viewer().is_walled() {
        return Ok((None, Vec::new()));
    }
    // Anyone may name a manager, so the reports are asked of the viewer's circle like any list.
    let circle = circle(conn, scope)?;
    let manager = match person.manager_id {
        Some(id) => queries::find(conn, id)?.filter(|m| circle.contains(m.id)),
        None => None,
    };
    let mut reports = queries::reporting_to(conn, person.id)?;
    reports.retain(|r| circle.contains(r.id));
    Ok((manager, reports))
}

/// The departments of the people the viewer may see, for the directory's filter.
pub fn departments(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<String>> {
    scope.viewer().require_user()?;
    let circle = circle(conn, scope)?;
    queries::departments(conn, &circle)
}

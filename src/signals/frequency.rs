//! How often a member hears of a group's posts by email (`memberships.email_frequency`): each
//! post (a notification), daily or weekly (a digest of that period), never, or with the
//! member's own digest. Only members have a setting; for anyone else the group is not found.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::access::Scope;
use crate::db::DbConnection;
use crate::db::schema::memberships;
use crate::error::{Error, Result, invalid};
use crate::events::{self, Event};
use crate::ids::{GroupId, UserId};
use crate::signals::digests::Period;

/// A member's email frequency for one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailFrequency {
    /// A notification for each post.
    EachPost,
    Daily,
    Weekly,
    Never,
    /// With the member's own digest (the default).
    Digest,
}

impl EmailFrequency {
    pub const ALL: [EmailFrequency; 5] = [
        EmailFrequency::Digest,
        EmailFrequency::EachPost,
        EmailFrequency::Daily,
        EmailFrequency::Weekly,
        EmailFrequency::Never,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailFrequency::EachPost => "each_post",
            EmailFrequency::Daily => "daily",
            EmailFrequency::Weekly => "weekly",
            EmailFrequency::Never => "never",
            EmailFrequency::Digest => "digest",
        }
    }

    /// A stored or submitted value; anything unknown is refused with the field's message.
    pub fn parse(raw: &str) -> Result<EmailFrequency> {
        EmailFrequency::ALL
            .into_iter()
            .find(|f| f.as_str() == raw)
            .ok_or_else(|| {
                invalid(
                    "email_frequency",
                    "choose each_post, daily, weekly, never or digest",
                )
            })
    }

    /// Whether posts of a group set this way go in the `period` digest of a member whose own
    /// digest is `own` (`None`: off).
    pub fn in_digest(self, period: Period, own: Option<Period>) -> bool {
        match self {
            EmailFrequency::Daily => period == Period::Daily,
            EmailFrequency::Weekly => period == Period::Weekly,
            EmailFrequency::Digest => own == Some(period),
            EmailFrequency::EachPost | EmailFrequency::Never => false,
        }
    }

    /// A label for the settings page.
    pub fn label(self) -> &'static str {
        match self {
            EmailFrequency::EachPost => "Every post",
            EmailFrequency::Daily => "Daily digest",
            EmailFrequency::Weekly => "Weekly digest",
            EmailFrequency::Never => "Never",
            EmailFrequency::Digest => "With my digest",
        }
    }
}

/// Every group `user_id` belongs to, with its email frequency.
pub fn of_member(
    conn: &mut DbConnection,
    user_id: UserId,
) -> Result<Vec<(GroupId, EmailFrequency)>> {
    let rows: Vec<(GroupId, String)> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select((memberships::group_id, memberships::email_frequency))
        .load(conn)?;
    // A value the CHECK constraint let in but this build does not know reads as the default.
    Ok(rows
        .into_iter()
        .map(|(g, f)| {
            (
                g,
                EmailFrequency::parse(&f).unwrap_or(EmailFrequency::Digest),
            )
        })
        .collect())
}

/// The viewer's frequency for `group_id`; not found unless the viewer is a member.
pub fn of_group(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
) -> Result<EmailFrequency> {
    let me = scope.viewer().require_user()?.id;
    of_member(conn, me)?
        .into_iter()
        .find(|(g, _)| *g == group_id)
        .map(|(_, f)| f)
        .ok_or_else(|| Error::not_found("group"))
}

/// Sets the viewer's own frequency for `group_id`; not found unless the viewer is a member.
pub fn set_frequency(
    conn: &mut DbConnection,
    scope: &Scope,
    group_id: GroupId,
    frequency: EmailFrequency,
) -> Result<()> {
    let me = scope.viewer().require_user()?.id;
    if scope.role_in(group_id).is_none() {
        return Err(Error::not_found("group"));
    }
    let changed = diesel::update(memberships::table.find((group_id, me)))
        .filter(memberships::email_frequency.ne(frequency.as_str()))
        .set(memberships::email_frequency.eq(frequency.as_str()))
        .execute(conn)?;
    if changed > 0 {
        let changed = Event::EmailFrequencyChanged {
            member: me,
            group: Some(group_id),
            email_frequency: frequency,
            groups: None,
        };
        events::append(conn, &changed)?;
    }
    Ok(())
}

/// Moves the member's groups set to a digest period back to "with my digest", which follows
/// their own (then off) setting: what unsubscribing from digests asks for.
pub fn stop_group_digests(conn: &mut DbConnection, user_id: UserId) -> Result<usize> {
    let changed = diesel::update(
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::email_frequency.eq_any(["daily", "weekly"])),
    )
    .set(memberships::email_frequency.eq(EmailFrequency::Digest.as_str()))
    .execute(conn)?;
    if changed > 0 {
        let event = Event::EmailFrequencyChanged {
            member: user_id,
            group: None,
            email_frequency: EmailFrequency::Digest,
            groups: Some(changed as u64),
        };
        events::append(conn, &event)?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_frequency_decides_which_digest_carries_its_posts() {
        use EmailFrequency as F;
        let (daily, weekly) = (Period::Daily, Period::Weekly);
        assert!(
            F::Daily.in_digest(daily, None),
            "a daily group even with digests off"
        );
        assert!(!F::Daily.in_digest(weekly, Some(weekly)));
        assert!(F::Weekly.in_digest(weekly, Some(daily)));
        assert!(F::Digest.in_digest(daily, Some(daily)));
        assert!(!F::Digest.in_digest(daily, Some(weekly)));
        assert!(!F::Digest.in_digest(weekly, None));
        assert!(
            !F::EachPost.in_digest(daily, Some(daily)),
            "told by notifications"
        );
        assert!(!F::Never.in_digest(weekly, Some(weekly)));
        assert_eq!(F::parse("each_post").unwrap(), F::EachPost);
        assert!(F::parse("hourly").is_err());
    }
}

/// One of the viewer's groups on the email settings page.
#[derive(Clone, Debug)]
pub struct GroupFrequency {
    pub id: GroupId,
    pub name: String,
    pub frequency: EmailFrequency,
}

/// The viewer's groups with their email frequency, by name.
pub fn group_frequencies(conn: &mut DbConnection, scope: &Scope) -> Result<Vec<GroupFrequency>> {
    let me = scope.viewer().require_user()?.id;
    let mine = of_member(conn, me)?;
    let ids: Vec<GroupId> = mine.iter().map(|(g, _)| *g).collect();
    let groups = crate::groups::system::groups_by_id(conn, &ids)?;
    let mut listed: Vec<GroupFrequency> = mine
        .into_iter()
        .filter_map(|(id, frequency)| {
            groups.get(&id).map(|g| GroupFrequency {
                id,
                name: g.name.clone(),
                frequency,
            })
        })
        .collect();
    listed.sort_by_key(|g| g.name.to_lowercase());
    Ok(listed)
}

/// Saves the viewer's digest frequency and, for each `(group, frequency)`, their frequency in
/// that group, all or nothing (the caller's transaction).
pub fn save_email_settings(
    conn: &mut DbConnection,
    scope: &Scope,
    digest: &str,
    groups: &[(GroupId, String)],
) -> Result<()> {
    let update = crate::accounts::actions::ProfileUpdate {
        digest: Some(digest.to_string()),
        ..Default::default()
    };
    crate::accounts::actions::update_profile(conn, scope.viewer(), &update)?;
    for (group, raw) in groups {
        set_frequency(conn, scope, *group, EmailFrequency::parse(raw)?)?;
    }
    Ok(())
}

//! The one loader of recommendations: candidates from the bounded reads of `queries`, each
//! checked against the policy, ranked, and given its reason.

use std::collections::{HashMap, HashSet};

use super::queries;
use super::views::{self, GroupSuggestion, PersonSuggestion, Recommendations, TagSuggestion};
use super::{Kind, Limits};
use crate::access::Scope;
use crate::accounts;
use crate::db::DbConnection;
use crate::error::Result;
use crate::follows;
use crate::groups::{self, Group, Visibility};
use crate::ids::{GroupId, UserId};
use crate::posts::trending::{RailTags, Trending};

/// Groups bigger than this say little about whom one works with (a company-wide group puts
/// everyone "in 1 of your groups"), and counting their members would make every home page
/// pay for the biggest group: fellow members are counted in smaller groups only.
const TEAM_SIZE: i64 = 250;

/// Candidates read per source for each suggestion shown, so that those the policy or a
/// deactivation drops leave enough.
const OVERFETCH: usize = 3;

/// What the signals of one reader are computed from.
struct Reader {
    me: UserId,
    guest: bool,
    department: String,
    followed: Vec<UserId>,
    member_groups: Vec<GroupId>,
    /// Tags she follows or dismissed: never suggested.
    done_tags: HashSet<String>,
}

/// `kept` suggestions without what the viewer did since they were made: people she follows
/// now, groups she is in now, tags she follows now, and whatever she dismissed.
pub fn without_done(
    conn: &mut DbConnection,
    scope: &Scope,
    mut kept: Recommendations,
) -> Result<Recommendations> {
    let me = scope.viewer().require_user()?.id;
    let mut people: HashSet<String> = follows::followed_users(conn, me)?
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    people.extend(
        queries::dismissed_ids(conn, me, Kind::Person)?
            .iter()
            .map(i64::to_string),
    );
    let groups: HashSet<String> = queries::dismissed_ids(conn, me, Kind::Group)?
        .iter()
        .map(i64::to_string)
        .collect();
    let tags = done_tags(conn, me)?;
    kept.people.retain(|p| !people.contains(&p.user.id));
    kept.groups.retain(|g| {
        let joined = g
            .group
            .id
            .parse()
            .is_ok_and(|id| scope.role_in(GroupId(id)).is_some());
        !joined && !groups.contains(&g.group.id)
    });
    kept.tags.retain(|t| !tags.contains(&t.name));
    Ok(kept)
}

/// What to suggest to the viewer, at most `limits` of each kind, best first.
pub fn recommend(
    conn: &mut DbConnection,
    scope: &Scope,
    trending: &Trending,
    limits: Limits,
) -> Result<Recommendations> {
    let viewer = scope.viewer();
    let me = accounts::access::current_user(conn, viewer)?;
    let reader = Reader {
        me: me.id,
        guest: viewer.is_guest(),
        department: me.department.trim().to_string(),
        followed: follows::followed_users(conn, me.id)?,
        member_groups: scope.member_groups(),
        done_tags: match limits.tags {
            0 => HashSet::new(),
            _ => done_tags(conn, me.id)?,
        },
    };
    let people = people(conn, scope, &reader, limits.people)?;
    let group_rows = group_candidates(conn, scope, &reader, trending, limits.groups)?;
    // Tags are counted for every reader at once, less what she follows or dismissed; a
    // guest reads nobody's department.
    let department =
        (!reader.guest && !reader.department.is_empty()).then_some(&*reader.department);
    let rail_tags = match limits.tags {
        0 => RailTags::default(),
        n => trending.for_rail(
            conn,
            scope,
            (department, &reader.member_groups),
            &reader.done_tags,
            fetch(n),
        )?,
    };
    // One read of the groups both lists name: those suggested and those tags trend in.
    let mut wanted: Vec<GroupId> = group_rows.keys().copied().collect();
    wanted.extend(rail_tags.groups.iter().map(|(group, _, _)| *group));
    let found = groups::system::groups_by_id(conn, &wanted)?;
    let groups = groups(conn, scope, group_rows, &found, limits.groups)?;
    let tags = tags(scope, &reader, rail_tags, &found, limits.tags);
    Ok(Recommendations {
        people,
        groups,
        tags,
    })
}

/// The names of the tags `me` follows or dismissed: never suggested.
fn done_tags(conn: &mut DbConnection, me: UserId) -> Result<HashSet<String>> {
    let mut ids = follows::followed_tags(conn, me)?;
    ids.extend(queries::dismissed_ids(conn, me, Kind::Tag)?);
    Ok(queries::tag_names(conn, &ids)?.into_iter().collect())
}

fn fetch(shown: usize) -> i64 {
    i64::try_from(shown * OVERFETCH + 2).unwrap_or(i64::MAX)
}

/// People: followed by those she follows, fellow members of her smaller groups, and (for
/// employees) colleagues of her department; only people of her circle, active.
fn people(
    conn: &mut DbConnection,
    scope: &Scope,
    reader: &Reader,
    limit: usize,
) -> Result<Vec<PersonSuggestion>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let me = reader.me;
    // (followed by, shared groups, same department) of each candidate.
    let mut signals: HashMap<UserId, (i64, i64, bool)> = HashMap::new();
    for (id, n) in queries::followed_by_followed(conn, me, &reader.followed, fetch(limit))? {
        signals.entry(id).or_default().0 = n;
    }
    let teams = queries::small_groups(conn, &reader.member_groups, TEAM_SIZE)?;
    for (id, n) in queries::fellow_members(conn, me, &teams, &reader.followed, fetch(limit))? {
        signals.entry(id).or_default().1 = n;
    }
    if !reader.guest && !reader.department.is_empty() {
        let colleagues =
            queries::colleagues(conn, me, &reader.department, &reader.followed, fetch(limit))?;
        for id in colleagues {
            signals.entry(id).or_default().2 = true;
        }
    }
    let circle = accounts::access::circle(conn, scope)?;
    let mut ranked: Vec<(UserId, (i64, i64, bool))> = signals
        .into_iter()
        .filter(|(id, _)| circle.contains(*id))
        .collect();
    ranked.sort_by_key(|(id, (f, s, d))| (std::cmp::Reverse(3 * f + 2 * s + i64::from(*d)), *id));
    let ids: Vec<UserId> = ranked.iter().map(|(id, _)| *id).collect();
    let mut cards = accounts::access::cards(conn, scope, &circle, &ids)?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, (f, s, d))| {
            // Bots post for tools, not people: nobody is told to follow one.
            let user = cards
                .remove(&id)
                .filter(|u| !u.deactivated && u.kind != accounts::UserKind::Bot)?;
            // A guest reads nobody's department: she is told only what she may see.
            let d = d && !reader.guest;
            Some(PersonSuggestion {
                user,
                reason: views::person_reason(f, s, d),
                followed_by: f,
                shared_groups: s,
                same_department: d,
            })
        })
        .take(limit)
        .collect())
}

/// Candidate groups with (followed members, department posts this week): public groups she
/// is not in and did not dismiss. Guests, who see no group beyond their own, get none.
fn group_candidates(
    conn: &mut DbConnection,
    scope: &Scope,
    reader: &Reader,
    trending: &Trending,
    limit: usize,
) -> Result<HashMap<GroupId, (i64, i64)>> {
    let mut signals: HashMap<GroupId, (i64, i64)> = HashMap::new();
    if limit == 0 || reader.guest || !scope.reads_company() {
        return Ok(signals);
    }
    // Sorted, as the scope keeps them.
    let candidates: Vec<GroupId> = scope
        .public_readable()
        .into_iter()
        .filter(|id| scope.role_in(*id).is_none())
        .collect();
    let is_candidate = |id: &GroupId| candidates.binary_search(id).is_ok();
    let me = reader.me;
    let by_followed = queries::groups_of_followed(conn, me, &reader.followed)?;
    for (id, n) in most(by_followed, is_candidate, limit) {
        signals.entry(id).or_default().0 = n;
    }
    if !reader.department.is_empty() {
        // Counted for the whole department, every group: only her candidates are told.
        let dismissed = queries::dismissed_ids(conn, me, Kind::Group)?;
        let counted = trending.department_posts(conn, &reader.department)?;
        let active = counted.iter().map(|(id, n)| (*id, *n));
        let wanted = |id: &GroupId| is_candidate(id) && !dismissed.contains(&id.0);
        for (id, n) in most(active, wanted, limit) {
            signals.entry(id).or_default().1 = n;
        }
    }
    Ok(signals)
}

/// Of `counts`, those `wanted`, the most first (then by id), as many as `limit` suggestions
/// need.
fn most(
    counts: impl IntoIterator<Item = (GroupId, i64)>,
    wanted: impl Fn(&GroupId) -> bool,
    limit: usize,
) -> Vec<(GroupId, i64)> {
    let mut found: Vec<(GroupId, i64)> = counts.into_iter().filter(|(id, _)| wanted(id)).collect();
    found.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    found.truncate(usize::try_from(fetch(limit)).unwrap_or(usize::MAX));
    found
}

/// The suggested groups, checked again against the policy: public, seen, not archived, and
/// not hers.
fn groups(
    conn: &mut DbConnection,
    scope: &Scope,
    signals: HashMap<GroupId, (i64, i64)>,
    found: &HashMap<GroupId, Group>,
    limit: usize,
) -> Result<Vec<GroupSuggestion>> {
    let mut ranked: Vec<(&Group, (i64, i64))> = signals
        .into_iter()
        .filter_map(|(id, counts)| found.get(&id).map(|g| (g, counts)))
        .filter(|(g, _)| {
            g.visibility() == Visibility::Public
                && scope.sees_group(g)
                && !g.is_archived()
                && scope.role_in(g.id).is_none()
        })
        .collect();
    ranked.sort_by_key(|(g, (f, p))| (std::cmp::Reverse(3 * f + (*p).min(10)), g.id));
    ranked.truncate(limit);
    let chosen: Vec<Group> = ranked.iter().map(|(g, _)| (*g).clone()).collect();
    let views = groups::access::views(conn, scope, &chosen)?;
    Ok(views
        .into_iter()
        .zip(ranked)
        .map(|(group, (_, (f, p)))| GroupSuggestion {
            group,
            reason: views::group_reason(f, p),
            followed_members: f,
            department_posts: p,
        })
        .collect())
}

/// Tags trending this week in her department (employees) and in each of her groups, in what
/// she may read; the department's first.
fn tags(
    scope: &Scope,
    reader: &Reader,
    trending: RailTags,
    found: &HashMap<GroupId, Group>,
    limit: usize,
) -> Vec<TagSuggestion> {
    let department = &reader.department;
    let mut tags: Vec<TagSuggestion> = trending
        .department
        .into_iter()
        .map(|(name, uses)| TagSuggestion {
            name,
            reason: format!("trending in {department}"),
            uses,
        })
        .collect();
    tags.extend(
        trending
            .groups
            .into_iter()
            .filter_map(|(group, name, uses)| {
                // Her own groups: she sees each, and its name.
                let group = found.get(&group).filter(|g| scope.sees_group(g))?;
                Some(TagSuggestion {
                    name,
                    reason: format!("trending in {}", group.name),
                    uses,
                })
            }),
    );
    let mut seen = HashSet::new();
    tags.retain(|tag| seen.insert(tag.name.clone()));
    tags.truncate(limit);
    tags
}

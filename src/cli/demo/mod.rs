//! `agora demo`: fills an empty instance with a believable company — people in several
//! departments with their managers, groups of every visibility (one of them open to a
//! customer's guests), and three months of posts, comments, likes, edits and mentions with a
//! trending launch — through the same actions the app uses, at the times of the story.

mod cast;
mod history;
mod story;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDateTime, NaiveTime, Utc};

use self::cast::{EVERYONE_FOLLOWS, FOLLOWS, GROUPS, GUEST_DOMAIN, GUESTS, PEOPLE, TAG_FOLLOWS};
use crate::access::{Principal, Scope, Viewer};
use crate::accounts::actions::{self as accounts, NewAccount, ProfileUpdate, Registration};
use crate::accounts::{User, UserKind, system};
use crate::audit::Origin;
use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::groups::Role;
use crate::groups::actions::{self as groups, NewGroup};
use crate::ids::{GroupId, UserId};
use crate::signals::{notifications, notifier};
use crate::{clock, follows};

/// The password of every demo account, printed when the demo is made.
pub const DEMO_PASSWORD: &str = "agora-demo-password";
/// Notifications older than this many days were read as they came.
const UNREAD_DAYS: i64 = 3;

/// Fills an empty instance; refuses when people other than one admin already exist.
pub fn fill(db: &Db, config: &Config) -> Result<String> {
    refuse_unless_empty(db)?;
    let now = Utc::now().naive_utc();
    let today = now.date();
    let start = (today - chrono::Duration::days(history::DAYS + 1)).and_time(NaiveTime::MIN);
    // The company existed before its story: people and groups date from the day before.
    let (people, groups) = clock::travel(start, || hire(db, config))?;
    let scopes = db.read(|conn| {
        people
            .iter()
            .map(|(handle, user)| Ok((*handle, Scope::resolve(conn, &user.viewer())?)))
            .collect()
    })?;
    let company = history::Company { scopes, groups };
    let mut player = history::Player::new(&company);
    let story = history::plan(today);
    let past = || story.iter().take_while(|act| act.at <= now);
    db.write(|conn| past().try_for_each(|act| player.play(conn, act)))?;
    let played = player.played;
    catch_up_notifications(db, config, now)?;
    Ok(format!(
        "Added {} people ({} of them guests from {GUEST_DOMAIN}), {} groups and {} days of \
         history: {} posts, {} comments, {} likes, {} edits.\n\
         Sign in as any of them, e.g. maya@example.com, with the password {DEMO_PASSWORD}",
        people.len(),
        GUESTS.len(),
        GROUPS.len(),
        history::DAYS,
        played.posts,
        played.comments,
        played.likes,
        played.edits,
    ))
}

fn refuse_unless_empty(db: &Db) -> Result<()> {
    let existing = db
        .read(|conn| {
            let scope = Scope::resolve(conn, &operator())?;
            crate::accounts::access::directory(conn, &scope, Default::default(), None, 3)
        })?
        .0;
    if existing.len() > 1 {
        return Err(Error::conflict(
            ErrorCode::NotEmpty,
            "the demo fills an empty instance; this one already has people",
        ));
    }
    Ok(())
}

/// The command line, which acts with an administrator's authority.
fn operator() -> Viewer {
    Viewer::User(Principal::new(UserId(0), UserKind::Admin))
}

/// The demo's people, by handle.
type People = Vec<(&'static str, User)>;

/// The people (by handle) and the groups (by name) of the company, with its follows.
fn hire(db: &Db, config: &Config) -> Result<(People, HashMap<&'static str, GroupId>)> {
    let mut people = Vec::new();
    for person in PEOPLE {
        let account = NewAccount {
            email: format!("{}@example.com", person.handle),
            name: person.name.into(),
            password: DEMO_PASSWORD.into(),
            kind: UserKind::Employee,
        };
        let user = accounts::register(
            db,
            &config.auth,
            account,
            Registration::ByAdmin(&operator()),
            &Origin::command_line(),
        )?;
        people.push((person.handle, user));
    }
    for person in PEOPLE {
        let profile = ProfileUpdate {
            title: Some(person.title.into()),
            department: Some(person.department.into()),
            location: Some(person.office.0.into()),
            time_zone: Some(person.office.1.into()),
            manager_id: Some(match person.manager {
                "" => String::new(),
                manager => find(&people, manager)?.id.to_string(),
            }),
            ..Default::default()
        };
        let user = find(&people, person.handle)?;
        db.write(|conn| accounts::update_profile(conn, &user.viewer(), &profile))?;
    }
    let mut groups = HashMap::new();
    for venue in GROUPS {
        let owner = find(&people, venue.owner)?;
        let input = NewGroup {
            name: venue.name.into(),
            description: venue.description.into(),
            visibility: venue.visibility,
            allow_guests: venue.allow_guests,
            broadcast: venue.broadcast,
            members_comment: true,
        };
        let group = as_user(db, &owner, |conn, scope| {
            groups::create_group(conn, scope, &input)
        })?;
        for member in venue.members {
            let member = find(&people, member)?;
            as_user(db, &owner, |conn, scope| {
                let origin = Origin::command_line();
                groups::add_member(conn, scope, group.id, member.id, Role::Member, &origin)
            })?;
        }
        groups.insert(venue.name, group.id);
    }
    invite_guests(db, config, &mut people, &groups)?;
    for (follower, followee) in FOLLOWS {
        let followee = find(&people, followee)?.id;
        as_user(db, &find(&people, follower)?, |conn, scope| {
            follows::set_user_follow(conn, scope, followee, true)
        })?;
    }
    let interests = PEOPLE
        .iter()
        .map(|p| (p.handle, EVERYONE_FOLLOWS))
        .chain(TAG_FOLLOWS.iter().copied());
    for (handle, tag) in interests {
        as_user(db, &find(&people, handle)?, |conn, scope| {
            follows::set_tag_follow(conn, scope, tag, true).map(|_| ())
        })?;
    }
    Ok((people, groups))
}

/// The customer's people, sponsored by the beta group's owner and added to it.
fn invite_guests(
    db: &Db,
    config: &Config,
    people: &mut People,
    groups: &HashMap<&'static str, GroupId>,
) -> Result<()> {
    let beta = GROUPS
        .iter()
        .find(|g| g.allow_guests)
        .ok_or_else(|| Error::internal("the demo has a group open to guests"))?;
    let sponsor = find(people, beta.owner)?;
    for (name, handle) in GUESTS {
        let account = NewAccount {
            email: format!("{handle}@{GUEST_DOMAIN}"),
            name: (*name).into(),
            password: DEMO_PASSWORD.into(),
            kind: UserKind::Guest,
        };
        let by = Registration::Guest {
            sponsor: sponsor.id,
        };
        let guest = accounts::register(db, &config.auth, account, by, &Origin::command_line())?;
        let days = config.guests.guest_days;
        db.write(|conn| crate::guests::actions::enrol(conn, guest.id, sponsor.id, days))?;
        let group = groups[beta.name];
        as_user(db, &sponsor, |conn, scope| {
            groups::add_member(
                conn,
                scope,
                group,
                guest.id,
                Role::Member,
                &Origin::command_line(),
            )
        })?;
        people.push((handle, guest));
    }
    Ok(())
}

/// Runs the notifier over the whole history now, rather than when the server starts, and
/// marks read what people would have read as it came: all but the last few days.
fn catch_up_notifications(db: &Db, config: &Config, now: NaiveDateTime) -> Result<()> {
    let public_url = config.public_url();
    while notifier::run_once(db, &public_url)?.read > 0 {}
    let read_until = now - chrono::Duration::days(UNREAD_DAYS);
    db.write(|conn| notifications::mark_read_until(conn, read_until))?;
    Ok(())
}

/// The demo person with `handle`.
fn find(people: &[(&str, User)], handle: &str) -> Result<User> {
    people
        .iter()
        .find(|(h, _)| *h == handle)
        .map(|(_, u)| u.clone())
        .ok_or_else(|| Error::internal(format!("no demo person {handle}")))
}

/// Runs one action as `user`, in its own transaction.
fn as_user<T>(
    db: &Db,
    user: &User,
    action: impl FnOnce(&mut crate::db::DbConnection, &Scope) -> Result<T>,
) -> Result<T> {
    db.write(|conn| {
        let scope = Scope::resolve(conn, &user.viewer())?;
        action(conn, &scope)
    })
}

/// `agora demo`: fills the instance of `config` and prints the summary; with `live`, then
/// keeps the company talking (see [`pulse`]).
pub fn run(config: Config, live: bool) -> Result<(), String> {
    let app = super::build(config)?;
    match fill(&app.db, &app.config) {
        Ok(summary) => println!("{summary}"),
        Err(e) if live && e.code == ErrorCode::NotEmpty => {}
        Err(e) => return Err(e.detail),
    }
    if live {
        println!("Posting as the demo company every {PULSE:?} until stopped (Ctrl-C).");
        pulse(&app.db).map_err(|e| e.detail)?;
    }
    Ok(())
}

/// How often [`pulse`] acts.
const PULSE: Duration = Duration::from_secs(20);

/// Plays tomorrow's story now, one act every [`PULSE`]: run beside the server, it keeps the
/// live parts (the "N new posts" banner, counts, notifications) moving on their own.
fn pulse(db: &Db) -> Result<()> {
    let company = db.read(|conn| {
        let mut scopes = HashMap::new();
        let mut groups = HashMap::new();
        let handles = PEOPLE.iter().map(|p| (p.handle, "example.com"));
        let guests = GUESTS.iter().map(|(_, handle)| (*handle, GUEST_DOMAIN));
        for (handle, domain) in handles.chain(guests) {
            let user = system::user_by_email(conn, &format!("{handle}@{domain}"))?
                .ok_or_else(|| Error::internal(format!("no demo person {handle}")))?;
            scopes.insert(handle, Scope::resolve(conn, &user.viewer())?);
        }
        for venue in GROUPS {
            let owned = scopes[venue.owner].readable_groups().to_vec();
            let found = crate::groups::system::groups_by_id(conn, &owned)?;
            if let Some(group) = found.values().find(|g| g.name == venue.name) {
                groups.insert(venue.name, group.id);
            }
        }
        Ok(history::Company { scopes, groups })
    })?;
    let tomorrow = Utc::now().date_naive() + chrono::Duration::days(1);
    let mut player = history::Player::new(&company);
    for act in history::plan(tomorrow) {
        if act.at.date() != tomorrow || matches!(act.what, history::What::LikeComment(_)) {
            continue;
        }
        std::thread::sleep(PULSE);
        let act = history::Act {
            at: Utc::now().naive_utc(),
            ..act
        };
        db.write(|conn| player.play(conn, &act))?;
    }
    Ok(())
}
